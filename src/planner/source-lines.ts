/**
 * The plan's side table, for people: which build file line each node (and each part of the
 * launch config) comes from, with the instruction as written, and the image config's fields.
 * None of it is hashed; `--explain` and `cube diff` cite it.
 */
import type { BuildSpec, SpanTable } from '../core/build-spec.js';
import { lineColumnOf } from '../core/diagnostics/index.js';
import type { Span } from '../core/diagnostics/index.js';
import type { ImageConfig } from '../core/image.js';
import type { JsonValue, SourceLine } from './plan.js';

/** Longer instructions are cut here: a row of `--explain` is one line. */
const MAX_INSTRUCTION = 100;

/** Finds the line a span starts on, as `file:line:column` with the instruction written there. */
export type SourceLineOf = (span: Span | undefined) => SourceLine | undefined;

/** A {@link SourceLineOf} over the build file's text, shown as `shownFile`. */
export function sourceLines(text: string, shownFile: string): SourceLineOf {
  return (span) => {
    if (!span) return undefined;
    const { line, column } = lineColumnOf(text, span.start);
    const start = span.start - (column - 1);
    const end = text.indexOf('\n', start);
    let instruction = text.slice(start, end === -1 ? text.length : end).replace(/\r$/, '').trim();
    // A continued instruction shows its first line, marked as continued.
    if (instruction.endsWith('\\')) instruction = `${instruction.slice(0, -1).trimEnd()} …`;
    if (instruction.length > MAX_INSTRUCTION) instruction = `${instruction.slice(0, MAX_INSTRUCTION - 1)}…`;
    return { location: `${shownFile}:${line}:${column}`, ...(instruction !== '' ? { instruction } : {}) };
  };
}

/**
 * The line that set each part of the launch config, keyed by the field paths `fieldChanges`
 * gives its params (`env.[NAME]`, `labels.[NAME]`, `expose.N`, `cmd`, `user`, …), so a changed
 * ENV is cited at its ENV line, not at the CMD line that stands for the node.
 */
export function launchFieldSources(spec: BuildSpec, spans: SpanTable, lineOf: SourceLineOf): Record<string, SourceLine> {
  const out: Record<string, SourceLine> = {};
  const put = (field: string, pointer: string): void => {
    const line = lineOf(spans.get(pointer));
    if (line) out[field] = line;
  };
  spec.launch.env.forEach((e, i) => put(`env.[${e.name}]`, `/launch/env/${i}`));
  spec.launch.labels.forEach((l, i) => put(`labels.[${l.name}]`, `/launch/labels/${i}`));
  spec.launch.expose.forEach((_, i) => put(`expose.${i}`, `/launch/expose/${i}`));
  for (const key of ['cmd', 'entrypoint', 'user', 'workdir', 'wrap'] as const) put(key, `/launch/${key}`);
  put('envd', '/inject');
  return out;
}

/** The source line of the longest field path prefix of `field` in `fields` (whole segments only). */
export function fieldSource(field: string, fields: Readonly<Record<string, SourceLine>> | undefined): SourceLine | undefined {
  if (!fields) return undefined;
  let best: string | undefined;
  for (const prefix of Object.keys(fields)) {
    const matches = field === prefix || field.startsWith(`${prefix}.`);
    if (matches && (best === undefined || prefix.length > best.length)) best = prefix;
  }
  return best === undefined ? undefined : fields[best];
}

/**
 * The image config fields cube reads, shaped for `fieldChanges`: variables by name, so a new
 * base image reads as `config.env.PATH: … → …` rather than as a new config digest alone.
 */
export function imageConfigSummary(config: ImageConfig): JsonValue {
  const env: Record<string, string> = {};
  for (const entry of config.env) {
    const at = entry.indexOf('=');
    env[at === -1 ? entry : entry.slice(0, at)] = at === -1 ? '' : entry.slice(at + 1);
  }
  return {
    env,
    entrypoint: config.entrypoint ? [...config.entrypoint] : null,
    cmd: config.cmd ? [...config.cmd] : null,
    workingDir: config.workingDir ?? null,
    user: config.user ?? null,
    exposedPorts: [...config.exposedPorts],
    labels: { ...config.labels },
  };
}
