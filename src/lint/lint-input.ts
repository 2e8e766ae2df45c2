/**
 * What every check rule reads: the syntax tree (for how things are written), the evaluated spec
 * when the file has no errors (for what they mean), and the source text (for keywords).
 */
import type { BuildSpec, SpanTable } from '../core/build-spec.js';
import type { Diagnostic, Span } from '../core/diagnostics/index.js';
import type { Document, Instruction } from '../parser/index.js';

/** The parse a rule checks. */
export interface LintInput {
  readonly document: Document;
  /** The build file's text, which every span points into. */
  readonly text: string;
  /** The evaluated spec; absent when the file has errors (rules about meaning then stay quiet). */
  readonly spec?: BuildSpec;
  readonly spans: SpanTable;
}

/** A check rule: the findings in one parse, in any order. */
export type LintRule = (input: LintInput) => Diagnostic[];

/** The instructions of one kind, typed. */
export function instructionsOf<K extends Instruction['kind']>(document: Document, ...kinds: K[]): (Instruction & { kind: K })[] {
  return document.instructions.filter((i): i is Instruction & { kind: K } => (kinds as string[]).includes(i.kind));
}

/** The keyword an instruction starts with, as written, and its span (Cubefile only). */
export function keywordOf(instruction: Instruction, text: string): { text: string; span: Span } {
  const word = /^\S+/.exec(text.slice(instruction.span.start))?.[0] ?? '';
  return { text: word, span: { ...instruction.span, end: instruction.span.start + word.length } };
}

/** The span of a CMD/ENTRYPOINT's command: after the keyword in a Cubefile, the value node in YAML. */
export function commandSpan(instruction: Instruction, input: LintInput): Span {
  if (input.document.words === 'yaml') return instruction.span;
  const head = /^\S+\s+/.exec(input.text.slice(instruction.span.start, instruction.span.end))?.[0].length ?? 0;
  return { ...instruction.span, start: instruction.span.start + head };
}

/** The spec's index of the step an instruction produced (spans `/steps/i` are instruction spans). */
export function stepIndexOf(instruction: Instruction, spans: SpanTable): number | undefined {
  for (const [key, span] of spans) {
    const match = /^\/steps\/(\d+)$/.exec(key);
    if (match && span.start === instruction.span.start && span.file === instruction.span.file) return Number(match[1]);
  }
  return undefined;
}
