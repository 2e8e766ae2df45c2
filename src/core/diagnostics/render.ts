/**
 * The one diagnostic renderer. Text form:
 *
 *     Cubefile:3:6: error CUBE1012: unknown instruction "FORM"
 *         3 | FORM python:3.12
 *           | ^~~~
 *       note: …
 *       hint: did you mean FROM?
 *
 * JSON form: one object per diagnostic with 1-based line/column, for editors and CI.
 */
import type { Diagnostic, Span } from './diagnostic.js';

/** Source texts by file name, so spans can be shown with their line. */
export type SourceTexts = ReadonlyMap<string, string>;

/** A 1-based line and column. Columns count UTF-16 code units, as editors using LSP do. */
export interface LineColumn {
  readonly line: number;
  readonly column: number;
}

/** Turns an offset into a 1-based line and column. */
export function lineColumnOf(text: string, offset: number): LineColumn {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

/** `file:line:col` for a span, or just the file name when its text is unknown. */
export function formatLocation(span: Span, sources: SourceTexts): string {
  const text = sources.get(span.file);
  if (text === undefined) return span.file;
  const { line, column } = lineColumnOf(text, span.start);
  return `${span.file}:${line}:${column}`;
}

/** Options for {@link renderDiagnostics}. */
export interface RenderOptions {
  /** Wrap severities and the caret line in ANSI colours (on a TTY). */
  readonly color?: boolean;
}

const ANSI = { red: '\x1b[31;1m', yellow: '\x1b[33;1m', green: '\x1b[32m', bold: '\x1b[1m', reset: '\x1b[0m' };

/** Renders diagnostics as text, one block per diagnostic, in the order given. */
export function renderDiagnostics(
  diagnostics: readonly Diagnostic[],
  sources: SourceTexts,
  options: RenderOptions = {},
): string {
  // A hostile file can give one diagnostic per word; past a screenful, more helps nobody.
  const shown = diagnostics.slice(0, MAX_RENDERED).map((d) => renderDiagnostic(d, sources, options)).join('');
  const rest = diagnostics.length - MAX_RENDERED;
  return rest > 0 ? `${shown}cube: … and ${rest} more diagnostic${rest === 1 ? '' : 's'} not shown\n` : shown;
}

/** How many diagnostics one rendering shows. */
const MAX_RENDERED = 50;
/** Source lines wider than this are shown as a window around the span. */
const MAX_EXCERPT = 160;

/** Renders one diagnostic as text, ending in a newline. */
export function renderDiagnostic(d: Diagnostic, sources: SourceTexts, options: RenderOptions = {}): string {
  const paint = (colour: keyof typeof ANSI, s: string): string =>
    options.color ? `${ANSI[colour]}${s}${ANSI.reset}` : s;
  const where = d.span ? `${formatLocation(d.span, sources)}: ` : 'cube: ';
  const severity = paint(d.severity === 'error' ? 'red' : 'yellow', d.severity);
  let out = `${where}${severity} ${d.code}: ${paint('bold', d.message)}\n`;
  if (d.span) out += excerpt(d.span, sources, (s) => paint('green', s));
  for (const note of d.notes) {
    const at = note.span ? `${formatLocation(note.span, sources)}: ` : '';
    out += `  note: ${at}${note.message}\n`;
    if (note.span) out += excerpt(note.span, sources, (s) => paint('green', s));
  }
  if (d.hint) out += `  hint: ${d.hint}\n`;
  return out;
}

/** The source line under a span with a caret and tildes beneath the spanned part. */
function excerpt(span: Span, sources: SourceTexts, paintMarker: (s: string) => string): string {
  const text = sources.get(span.file);
  if (text === undefined) return '';
  const { line, column } = lineColumnOf(text, span.start);
  const lineStart = span.start - (column - 1);
  let lineEnd = text.indexOf('\n', lineStart);
  if (lineEnd === -1) lineEnd = text.length;
  const sourceLine = text.slice(lineStart, lineEnd).replace(/\r$/, '');
  let width = Math.max(1, Math.min(span.end, lineStart + sourceLine.length) - span.start);
  // A very long line is cut to a window that starts a little before the span.
  const from = sourceLine.length > MAX_EXCERPT ? Math.max(0, column - 1 - 40) : 0;
  const to = Math.min(sourceLine.length, from + MAX_EXCERPT);
  // Tabs are shown as single spaces so the caret lines up whatever the terminal's tab width.
  const shown = `${from > 0 ? '…' : ''}${sourceLine.slice(from, to).replace(/\t/g, ' ')}${to < sourceLine.length ? '…' : ''}`;
  const caretAt = column - 1 - from + (from > 0 ? 1 : 0);
  width = Math.min(width, Math.max(1, to - (column - 1)));
  const gutter = String(line);
  const pad = ' '.repeat(gutter.length);
  const marker = '^' + '~'.repeat(width - 1);
  return `  ${gutter} | ${shown}\n  ${pad} | ${' '.repeat(caretAt)}${paintMarker(marker)}\n`;
}

/** A diagnostic as plain JSON data with resolved positions. */
export interface DiagnosticJson {
  readonly code: string;
  readonly severity: string;
  readonly message: string;
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
  readonly endLine?: number;
  readonly endColumn?: number;
  readonly notes: readonly { message: string; file?: string; line?: number; column?: number }[];
  readonly hint?: string;
}

/** Converts diagnostics to JSON data (`--format json`). */
export function diagnosticsToJson(diagnostics: readonly Diagnostic[], sources: SourceTexts): DiagnosticJson[] {
  return diagnostics.map((d) => ({
    code: d.code,
    severity: d.severity,
    message: d.message,
    ...positionFields(d.span, sources, true),
    notes: d.notes.map((n) => ({ message: n.message, ...positionFields(n.span, sources, false) })),
    ...(d.hint ? { hint: d.hint } : {}),
  }));
}

function positionFields(span: Span | undefined, sources: SourceTexts, withEnd: boolean): Record<string, unknown> {
  if (!span) return {};
  const text = sources.get(span.file);
  if (text === undefined) return { file: span.file };
  const start = lineColumnOf(text, span.start);
  const fields: Record<string, unknown> = { file: span.file, line: start.line, column: start.column };
  if (withEnd) {
    const end = lineColumnOf(text, span.end);
    fields.endLine = end.line;
    fields.endColumn = end.column;
  }
  return fields;
}
