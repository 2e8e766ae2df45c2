/**
 * Rules about what the sandbox runs: a CMD/ENTRYPOINT (or COPY) that was meant as JSON but is
 * not, the shell form that keeps signals from the workload, and a workload that takes envd's port.
 */
import { DEFAULT_ENVD_PORT } from '../core/build-spec.js';
import type { CommandSpec } from '../core/build-spec.js';
import { createDiagnostic } from '../core/diagnostics/index.js';
import type { Diagnostic, Span } from '../core/diagnostics/index.js';
import { lintCodes } from '../core/diagnostics/codes-lint.js';
import type { LintInput, LintRule } from './lint-input.js';
import { commandSpan, instructionsOf } from './lint-input.js';

/** What a `[a, b]` that is not JSON was probably meant to be: each element quoted. */
function quotedElements(text: string): string {
  const inner = text.trim().replace(/^\[/, '').replace(/\]$/, '');
  const elements = inner.split(',').map((e) => e.trim().replace(/^(['"])(.*)\1$/, '$2')).filter((e) => e !== '');
  return `[${elements.map((e) => JSON.stringify(e)).join(', ')}]`;
}

/** CMD, ENTRYPOINT and COPY written like a JSON array that is not valid JSON. */
export const malformedJsonArgs: LintRule = (input) => {
  const out: Diagnostic[] = [];
  for (const instruction of instructionsOf(input.document, 'cmd', 'entrypoint')) {
    const { command } = instruction;
    if (command.form !== 'shell' || !command.command.trimStart().startsWith('[')) continue;
    const word = instruction.kind.toUpperCase();
    out.push(
      createDiagnostic(lintCodes.malformedJsonArgs, 'command', { keyword: word, command: command.command, quoted: JSON.stringify(command.command), fixed: quotedElements(command.command) }, { span: commandSpan(instruction, input) }),
    );
  }
  for (const copy of instructionsOf(input.document, 'copy')) {
    const first = copy.sources[0];
    if (!first || !first.text.startsWith('[') || !copy.dest.text.endsWith(']')) continue;
    const span: Span = { ...first.span, end: copy.dest.span.end };
    const written = input.text.slice(span.start, span.end);
    out.push(
      createDiagnostic(lintCodes.malformedJsonArgs, 'copy', { written, fixed: quotedElements(written) }, { span }),
    );
  }
  return out;
};

/** CMD and ENTRYPOINT in shell form (other than a JSON attempt, which the rule above reports). */
export const jsonArgsRecommended: LintRule = (input) =>
  instructionsOf(input.document, 'cmd', 'entrypoint')
    .filter((i) => i.command.form === 'shell' && !i.command.command.trimStart().startsWith('['))
    .map((instruction) => {
      return createDiagnostic(lintCodes.jsonArgsRecommended, 'shellForm', { keyword: instruction.kind.toUpperCase() }, { span: commandSpan(instruction, input) });
    });

/** Whether a command's words use `port` as a port: `8080`, `--port=8080`, `:8080`. */
function commandUsesPort(command: CommandSpec, port: number): boolean {
  const pattern = new RegExp(`(^|[^0-9A-Za-z])${port}(?![0-9])`);
  const words = command.form === 'exec' ? command.argv : [command.command];
  return words.some((w) => pattern.test(w));
}

/** EXPOSE, a PORT-like ENV or the command naming the port envd listens on. */
export const envdPortConflict: LintRule = (input: LintInput) => {
  const { spec, spans } = input;
  if (!spec) return [];
  const port = spec.inject?.port ?? DEFAULT_ENVD_PORT;
  const whose = spec.inject && spans.has('/inject/port') ? `INJECT envd PORT ${port}` : `envd's port, ${port}`;
  const out: Diagnostic[] = [];
  const at = (key: string): { span?: Span } => {
    const span = spans.get(key);
    return span ? { span } : {};
  };
  spec.launch.expose.forEach((p, i) => {
    if (p.port === port) out.push(createDiagnostic(lintCodes.envdPortConflict, 'expose', { port: p.port, protocol: p.protocol, whose }, at(`/launch/expose/${i}`)));
  });
  spec.launch.env.forEach((e, i) => {
    if (/port/i.test(e.name) && e.value.trim() === String(port)) {
      out.push(createDiagnostic(lintCodes.envdPortConflict, 'env', { name: e.name, value: e.value, whose }, at(`/launch/env/${i}`)));
    }
  });
  for (const kind of ['entrypoint', 'cmd'] as const) {
    const command = spec.launch[kind];
    if (command && commandUsesPort(command, port)) {
      out.push(createDiagnostic(lintCodes.envdPortConflict, 'command', { keyword: kind.toUpperCase(), whose }, at(`/launch/${kind}`)));
    }
  }
  return out;
};
