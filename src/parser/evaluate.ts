/**
 * The meaning of a syntax tree: ARG scoping and `--build-arg` overrides, variable substitution
 * in the instructions Docker substitutes in (and INJECT and SEAL), image references, ports and
 * sizes, relative paths resolved against WORKDIR, and the file-level checks (one FROM first, at
 * most one INJECT, `ENTRYPOINT wrap` needs it, one SEAL). Produces the BuildSpec and its spans.
 * Each instruction kind has its own evaluate function, dispatched from one table.
 */
import type { BuildSpec } from '../core/build-spec.js';
import { DEFAULT_SEAL } from '../core/build-spec.js';
import { hasErrors } from '../core/diagnostics/index.js';
import type { Diagnostic, Span } from '../core/diagnostics/index.js';
import { parseCodes } from '../core/diagnostics/codes-parse.js';
import type { Document, Instruction } from './ast.js';
import { evaluateCommand, evaluateExpose, evaluatePairs, evaluateUser, evaluateWorkdir, evaluateWrap } from './evaluate-config.js';
import { evaluateArg, evaluateCopy, evaluateFrom, evaluateInject, evaluateSeal } from './evaluate-image.js';
import { Evaluator } from './evaluator.js';

/** The evaluated spec (absent when there are errors), its spans, and every diagnostic. */
export interface Evaluation {
  readonly spec?: BuildSpec;
  readonly spans: Map<string, Span>;
  readonly diagnostics: Diagnostic[];
}

/** Each instruction kind's evaluate function. */
const EVALUATE: { readonly [K in Instruction['kind']]: (ev: Evaluator, instruction: Extract<Instruction, { kind: K }>) => void } = {
  arg: evaluateArg,
  from: evaluateFrom,
  inject: evaluateInject,
  copy: evaluateCopy,
  env: evaluatePairs,
  label: evaluatePairs,
  workdir: evaluateWorkdir,
  user: evaluateUser,
  expose: evaluateExpose,
  cmd: evaluateCommand,
  entrypoint: evaluateCommand,
  wrap: evaluateWrap,
  seal: evaluateSeal,
};

/** Each instruction kind as the user writes it, for messages. */
const KEYWORDS: Readonly<Record<Instruction['kind'], string>> = {
  arg: 'ARG',
  from: 'FROM',
  inject: 'INJECT',
  copy: 'COPY',
  env: 'ENV',
  label: 'LABEL',
  workdir: 'WORKDIR',
  user: 'USER',
  expose: 'EXPOSE',
  cmd: 'CMD',
  entrypoint: 'ENTRYPOINT',
  wrap: 'ENTRYPOINT wrap',
  seal: 'SEAL',
};

function run(ev: Evaluator, instruction: Instruction): void {
  if (!ev.afterFrom && instruction.kind !== 'arg' && instruction.kind !== 'from') {
    // Without any FROM, the one "no FROM" error says it all; one per line would only repeat it.
    if (ev.hasFrom) ev.report(parseCodes.beforeFrom, 'beforeFrom', { keyword: KEYWORDS[instruction.kind] }, instruction.span);
    return;
  }
  (EVALUATE[instruction.kind] as (ev: Evaluator, instruction: Instruction) => void)(ev, instruction);
}

/** The file-level checks, then the BuildSpec when nothing is in error. */
function finish(ev: Evaluator, file: string, syntaxErrors: boolean): Evaluation {
  // After a syntax error (a misspelt FROM, unreadable YAML) "no FROM" would only repeat it.
  if (!ev.afterFrom && !syntaxErrors) {
    const first = ev.document.instructions[0]?.span;
    ev.report(parseCodes.missingFrom, 'missingFrom', {}, first ? { ...first, end: first.start } : { file, start: 0, end: 0 });
  }
  if (ev.wrap && !ev.inject && !ev.spans.has('/inject')) ev.report(parseCodes.wrapWithoutInject, 'wrapWithoutInject', {}, ev.wrap);
  if (ev.inject && !ev.wrap) ev.report(parseCodes.injectWithoutWrap, 'injectWithoutWrap', {}, ev.spans.get('/inject'));
  for (const name of ev.buildArgs.keys()) {
    if (!ev.usedBuildArgs.has(name)) ev.report(parseCodes.unusedBuildArg, 'unused', { name });
  }
  if (hasErrors(ev.diagnostics) || !ev.from) return { spans: ev.spans, diagnostics: ev.diagnostics };
  const spec: BuildSpec = {
    version: 1,
    from: ev.from,
    ...(ev.inject ? { inject: ev.inject } : {}),
    steps: ev.steps,
    launch: {
      env: ev.env,
      labels: ev.labels,
      ...(ev.workdir !== undefined ? { workdir: ev.workdir } : {}),
      ...(ev.user !== undefined ? { user: ev.user } : {}),
      expose: ev.expose,
      ...(ev.entrypoint ? { entrypoint: ev.entrypoint.spec } : {}),
      ...(ev.cmd ? { cmd: ev.cmd.spec } : {}),
      wrap: ev.wrap !== undefined,
    },
    seal: ev.seal ?? DEFAULT_SEAL,
  };
  return { spec, spans: ev.spans, diagnostics: ev.diagnostics };
}

/** Evaluates a document with `--build-arg` values. */
export function evaluate(document: Document, buildArgs: ReadonlyMap<string, string>, file: string, syntaxErrors = false): Evaluation {
  const ev = new Evaluator(document, buildArgs);
  for (const instruction of document.instructions) run(ev, instruction);
  return finish(ev, file, syntaxErrors);
}
