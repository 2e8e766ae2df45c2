/**
 * Docker's line rules, before any instruction is parsed: the `# syntax=`, `# escape=` and
 * `# check=` parser directives at the top, `#` comment lines, and continuation lines ending in
 * the escape character, with comment and blank lines inside a continuation skipped. Each logical
 * line keeps a map back to source offsets so every later diagnostic points at the right column.
 */

import type { Span } from '../core/diagnostics/index.js';
import type { Val } from './ast.js';

/** One instruction's text with its source positions. */
export interface LogicalLine {
  readonly text: string;
  /** `offsets[i]` is the source offset of `text[i]`; one extra entry for the end. */
  readonly offsets: readonly number[];
}

/** The directives and logical lines of a Cubefile. */
export interface SplitResult {
  readonly escape: '\\' | '`';
  readonly syntax?: string;
  /** The `# check=` directive's value and its source offsets (read by the checks, see src/lint). */
  readonly check?: DirectiveValue;
  readonly lines: readonly LogicalLine[];
  /** Directives that are malformed or repeated, with their source offsets. */
  readonly badDirectives: readonly { readonly name: string; readonly start: number; readonly end: number }[];
}

/** The source span of `text[start, end)` of a logical line. */
export function lineSpan(file: string, line: LogicalLine, start: number, end: number): Span {
  const offsets = line.offsets;
  const s = offsets[Math.min(start, offsets.length - 1)] as number;
  const e = end > start ? (offsets[Math.min(end - 1, offsets.length - 2)] as number) + 1 : s;
  return { file, start: s, end: Math.max(e, s) };
}

/** A directive's value with the source offsets of the value. */
export interface DirectiveValue {
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

interface PhysicalLine {
  readonly text: string;
  readonly start: number;
}

/** The lines of `source`, read one at a time so the directives at the top are read alone. */
function* physicalLines(source: string): Generator<PhysicalLine> {
  let start = 0;
  while (start <= source.length) {
    let end = source.indexOf('\n', start);
    if (end === -1) end = source.length;
    yield { text: source.slice(start, end).replace(/\r$/, ''), start };
    if (end === source.length) return;
    start = end + 1;
  }
}

/** A parser directive line: `# name=value`. */
const DIRECTIVE = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.*?)\s*$/;

/** The directives cube reads; any other `# name=value` line at the top is a comment. */
const KNOWN_DIRECTIVES = ['escape', 'syntax', 'check'];

/** The parser directives of a file. */
type Directives = Omit<SplitResult, 'lines'>;

/**
 * Reads the directives at the top of `lines`, before any comment, blank line or instruction;
 * returns them and the first line that is not one.
 */
function directivesOf(lines: Iterator<PhysicalLine>): { directives: Directives; next?: PhysicalLine } {
  let escape: '\\' | '`' = '\\';
  let syntax: string | undefined;
  let check: DirectiveValue | undefined;
  const badDirectives: { name: string; start: number; end: number }[] = [];
  const seen = new Set<string>();
  let next: PhysicalLine | undefined;
  for (let item = lines.next(); !item.done; item = lines.next()) {
    const line = item.value;
    const match = DIRECTIVE.exec(line.text);
    const name = match ? (match[1] as string).toLowerCase() : '';
    if (!match || !KNOWN_DIRECTIVES.includes(name)) {
      next = line;
      break;
    }
    const value = match[2] as string;
    if (seen.has(name) || (name === 'escape' && value !== '\\' && value !== '`')) {
      badDirectives.push({ name, start: line.start, end: line.start + line.text.length });
    } else if (name === 'escape') escape = value as '\\' | '`';
    else if (name === 'check') {
      const start = line.start + line.text.lastIndexOf(value);
      check = { text: value, start, end: start + value.length };
    } else syntax = value;
    seen.add(name);
  }
  const directives = { escape, ...(syntax !== undefined ? { syntax } : {}), ...(check ? { check } : {}), badDirectives };
  return next ? { directives, next } : { directives };
}

function withoutBom(source: string): string {
  return source.startsWith('\uFEFF') ? ' ' + source.slice(1) : source;
}

/** Reads only the directives at the top of `source` (what cube.yaml's top comments may hold). */
export function readDirectives(source: string): Directives {
  return directivesOf(physicalLines(withoutBom(source))).directives;
}

/** Splits `source` into directives and logical lines. */
export function splitLogicalLines(source: string): SplitResult {
  const lines = physicalLines(withoutBom(source));
  const { directives, next } = directivesOf(lines);
  const escape = directives.escape;
  const out: LogicalLine[] = [];
  let text = '';
  let offsets: number[] = [];
  let open = false;
  let last: PhysicalLine | undefined;
  const isComment = (t: string): boolean => /^\s*#/.test(t);
  for (let line = next; line !== undefined; line = lines.next().value ?? undefined) {
    last = line;
    if (isComment(line.text) || line.text.trim() === '') continue;
    const trimmed = line.text.replace(/[ \t]+$/, '');
    const continues = trimmed.endsWith(escape);
    const body = continues ? trimmed.slice(0, -1) : line.text;
    for (let k = 0; k < body.length; k++) offsets.push(line.start + k);
    text += body;
    if (continues) {
      open = true;
      continue;
    }
    offsets.push(line.start + body.length);
    out.push({ text, offsets });
    text = '';
    offsets = [];
    open = false;
  }
  if (open && last) {
    offsets.push(last.start + last.text.length);
    out.push({ text, offsets });
  }
  return { ...directives, lines: out };
}

/** The `# check=` directive as the syntax tree's field, the same for a Cubefile and cube.yaml. */
export function checkField(split: Pick<Directives, 'check'>, file: string): { check?: Val } {
  return split.check ? { check: { text: split.check.text, span: { file, start: split.check.start, end: split.check.end } } } : {};
}
