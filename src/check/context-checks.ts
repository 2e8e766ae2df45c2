/**
 * The build context and the envd binary, checked through the planner's own resolution so the
 * findings are the ones `cube build` would stop at, but all of them: every COPY source that is
 * missing, outside the context, excluded by .cubeignore or unreadable, not just the first.
 */
import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { BuildSpec, SpanTable } from '../core/build-spec.js';
import { createDiagnostic, DiagnosticError } from '../core/diagnostics/index.js';
import type { Diagnostic } from '../core/diagnostics/index.js';
import { lintCodes } from '../core/diagnostics/codes-lint.js';
import type { SealStep } from '../executor/build/index.js';
import type { CopySource } from '../executor/inject/index.js';
import { BuildContext, copySourceSpans, envdWithoutInject, resolveEnvd } from '../planner/index.js';
import type { HostFileHasher, ResolvedEnvd } from '../planner/index.js';

/** Findings, and the source texts (such as .cubeignore) their spans point into. */
export interface Findings {
  readonly diagnostics: Diagnostic[];
  readonly sources: Map<string, string>;
}

/** What the context checks found, and the steps that resolved (undefined where one did not). */
export interface ContextFindings extends Findings {
  readonly steps: readonly (SealStep | undefined)[];
}

/** Runs `work`; a DiagnosticError it throws becomes findings instead. */
export async function collect<T>(findings: Findings, work: () => Promise<T>): Promise<T | undefined> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof DiagnosticError)) throw error;
    findings.diagnostics.push(...error.diagnostics);
    for (const [file, text] of error.sources) findings.sources.set(file, text);
    return undefined;
  }
}

/** Sources that name the whole context. */
const WHOLE_CONTEXT = new Set(['.', './', '/', '*']);

/** Every COPY source resolved in the context, each problem reported; COPY of everything without a .cubeignore. */
export async function contextFindings(spec: BuildSpec, spans: SpanTable, contextDir: string, hasher: HostFileHasher): Promise<ContextFindings> {
  const findings: ContextFindings = { diagnostics: [], sources: new Map(), steps: [] };
  const steps: (SealStep | undefined)[] = [];
  const context = await collect(findings, () => BuildContext.open(contextDir, hasher));
  const hasIgnoreFile = await stat(join(contextDir, '.cubeignore')).then(() => true, () => false);
  for (const [i, step] of spec.steps.entries()) {
    const where = spans.get(`/steps/${i}`);
    const at = where ? { where } : {};
    if (step.kind === 'workdir') {
      steps.push({ kind: 'workdir', path: step.path, ...at });
      continue;
    }
    if (!hasIgnoreFile && step.sources.some((s) => WHOLE_CONTEXT.has(s.replace(/^\/+(?=.)/, '')))) {
      findings.diagnostics.push(createDiagnostic(lintCodes.copyWholeContext, 'wholeContext', { sources: step.sources.join(' ') }, where ? { span: where } : {}));
    }
    let resolved: CopySource[] | undefined = context ? [] : undefined;
    const sourceSpans = copySourceSpans(spans, i, step.sources.length);
    for (const [k, source] of step.sources.entries()) {
      const found = context ? await collect(findings, () => context.sources([source], [sourceSpans[k]])) : undefined;
      resolved = found && resolved ? [...resolved, ...found] : undefined;
    }
    const options = { dest: step.dest, ...(step.chown ? { chown: step.chown } : {}), ...(step.chmod !== undefined ? { chmod: step.chmod } : {}) };
    steps.push(resolved ? { kind: 'copy', copy: { ...options, sources: resolved }, ...at } : undefined);
  }
  return { ...findings, steps };
}

/**
 * The envd binary, through the planner's resolveEnvd: whatever it finds wrong with the file
 * (missing, unreadable, empty, too large, not ELF, built for another architecture, and whatever
 * it checks later) is reported here with the same code and words as `cube build` gives.
 */
export async function envdFindings(
  spec: BuildSpec,
  spans: SpanTable,
  options: {
    readonly buildFile: string;
    readonly flag?: string;
    readonly maxSize?: number;
    readonly env: Readonly<Record<string, string | undefined>>;
    readonly hasher: HostFileHasher;
    /** The image's architecture (or, when the image is not at hand, the one asked for). */
    readonly architecture: string;
  },
): Promise<Findings & { readonly envd?: ResolvedEnvd }> {
  const findings: Findings = { diagnostics: [], sources: new Map() };
  if (!spec.inject) {
    const stray = envdWithoutInject({ injects: false, ...(options.flag !== undefined ? { flag: options.flag } : {}), env: options.env, file: basename(options.buildFile) });
    return stray ? { ...findings, diagnostics: [stray] } : findings;
  }
  const { inject } = spec;
  const envd = await collect(findings, () =>
    resolveEnvd({
      ...(options.flag !== undefined ? { flag: options.flag } : {}),
      ...(inject.hostPath !== undefined ? { fileHostPath: inject.hostPath } : {}),
      buildFile: options.buildFile,
      spans,
      env: options.env,
      hasher: options.hasher,
      architecture: options.architecture,
      ...(options.maxSize !== undefined ? { maxSize: options.maxSize } : {}),
    }),
  );
  return envd ? { ...findings, envd } : findings;
}
