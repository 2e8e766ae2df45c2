/**
 * Docker's line rules, before any instruction is parsed: the `# syntax=`, `# escape=` and
 * `# check=` parser directives at the top, `#` comment lines, and continuation lines ending in
 * the escape character, with comment and blank lines inside a continuation skipped. Each logical
 * line keeps a map back to source offsets so every later diagnostic points at the right column.
 */

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

function physicalLines(source: string): PhysicalLine[] {
  const out: PhysicalLine[] = [];
  let start = 0;
  while (start <= source.length) {
    let end = source.indexOf('\n', start);
    if (end === -1) end = source.length;
    const text = source.slice(start, end).replace(/\r$/, '');
    out.push({ text, start });
    if (end === source.length) break;
    start = end + 1;
  }
  return out;
}

/** A parser directive line: `# name=value`. */
const DIRECTIVE = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.*?)\s*$/;

/** The directives cube reads; any other `# name=value` line at the top is a comment. */
const KNOWN_DIRECTIVES = ['escape', 'syntax', 'check'];

/** Splits `source` into directives and logical lines. */
export function splitLogicalLines(source: string): SplitResult {
  const lines = physicalLines(source.startsWith('\uFEFF') ? ' ' + source.slice(1) : source);
  let escape: '\\' | '`' = '\\';
  let syntax: string | undefined;
  let check: DirectiveValue | undefined;
  const badDirectives: { name: string; start: number; end: number }[] = [];
  const seen = new Set<string>();
  let i = 0;
  // Directives: only at the very top, before any comment, blank line or instruction.
  for (; i < lines.length; i++) {
    const line = lines[i] as PhysicalLine;
    const match = DIRECTIVE.exec(line.text);
    if (!match) break;
    const name = (match[1] as string).toLowerCase();
    const value = match[2] as string;
    if (!KNOWN_DIRECTIVES.includes(name)) break;
    if (seen.has(name) || (name === 'escape' && value !== '\\' && value !== '`')) {
      badDirectives.push({ name, start: line.start, end: line.start + line.text.length });
    } else if (name === 'escape') escape = value as '\\' | '`';
    else if (name === 'check') {
      const start = line.start + line.text.lastIndexOf(value);
      check = { text: value, start, end: start + value.length };
    } else syntax = value;
    seen.add(name);
  }
  const out: LogicalLine[] = [];
  let text = '';
  let offsets: number[] = [];
  let open = false;
  const isComment = (t: string): boolean => /^\s*#/.test(t);
  for (; i < lines.length; i++) {
    const line = lines[i] as PhysicalLine;
    if (isComment(line.text) || (open && line.text.trim() === '')) continue;
    if (!open && line.text.trim() === '') continue;
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
  if (open) {
    const last = lines[lines.length - 1] as PhysicalLine;
    offsets.push(last.start + last.text.length);
    out.push({ text, offsets });
  }
  return { escape, ...(syntax !== undefined ? { syntax } : {}), ...(check ? { check } : {}), lines: out, badDirectives };
}

/** The `# check=` directive as the syntax tree's field, the same for a Cubefile and cube.yaml. */
export function checkField(split: SplitResult, file: string): { check?: Val } {
  return split.check ? { check: { text: split.check.text, span: { file, start: split.check.start, end: split.check.end } } } : {};
}
