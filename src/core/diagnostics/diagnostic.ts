/**
 * Diagnostics are values: created with a code from the catalog and a span, collected, and printed
 * by one renderer. Positions are UTF-16 offsets into the source text and become line:column only
 * when a diagnostic is printed, so a stage never has to track lines itself.
 */
import { escapeName } from '../names.js';
import type { CatalogEntry } from './catalog.js';

/** How serious a diagnostic is. Only `error` makes a command fail. */
export type Severity = 'error' | 'warning';

/** A range of a source file: `start` and `end` are offsets into its text (end exclusive). */
export interface Span {
  readonly file: string;
  readonly start: number;
  readonly end: number;
}

/**
 * Where a setting came from when it did not come from a file: a command-line flag, an
 * environment variable, or a built-in default. Errors name it (review lesson 4).
 */
export type Origin =
  | { readonly kind: 'file'; readonly span: Span }
  | { readonly kind: 'flag'; readonly flag: string }
  | { readonly kind: 'env'; readonly variable: string }
  | { readonly kind: 'default' };

/** A secondary message, optionally pointing at a second location. */
export interface Note {
  readonly message: string;
  readonly span?: Span;
}

/** One user-facing problem. */
export interface Diagnostic {
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  readonly span?: Span;
  readonly notes: readonly Note[];
  /** What the user can do about it, printed last as `hint: …`. */
  readonly hint?: string;
}

/** Options for {@link createDiagnostic}. */
export interface DiagnosticOptions {
  readonly span?: Span;
  readonly notes?: readonly Note[];
  readonly hint?: string;
}

/**
 * Creates a diagnostic from a catalog entry; the entry fixes its code and severity. Names quoted
 * in the texts may hold bytes that are not UTF-8 (src/core/names.ts): they are shown as `\xNN`.
 */
export function createDiagnostic(
  entry: CatalogEntry,
  message: string,
  options: DiagnosticOptions = {},
): Diagnostic {
  const hint = options.hint ?? entry.hint;
  return {
    code: entry.code,
    severity: entry.severity,
    message: escapeName(message),
    notes: (options.notes ?? []).map((note) => ({ ...note, message: escapeName(note.message) })),
    ...(options.span ? { span: options.span } : {}),
    ...(hint ? { hint: escapeName(hint) } : {}),
  };
}

/** Whether any diagnostic in the list is an error. */
export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/**
 * Carries diagnostics out of deep asynchronous work (pulling, sealing) to the command that
 * prints them. Stages that can collect diagnostics return them instead; this exists for the
 * places where a failure has to unwind a stream or a pipeline.
 */
export class DiagnosticError extends Error {
  readonly diagnostics: readonly Diagnostic[];
  /** Texts of the files the spans point into, so the renderer can show the source lines. */
  readonly sources: ReadonlyMap<string, string>;

  constructor(diagnostics: Diagnostic | readonly Diagnostic[], sources: ReadonlyMap<string, string> = new Map()) {
    const list = Array.isArray(diagnostics) ? diagnostics : [diagnostics as Diagnostic];
    super(list.map((d) => `${d.code}: ${d.message}`).join('\n'));
    this.name = 'DiagnosticError';
    this.diagnostics = list;
    this.sources = sources;
  }
}

/** Describes an origin in words, for messages such as "envd path (from --envd-path)". */
export function describeOrigin(origin: Origin, lineColumn?: (span: Span) => string): string {
  switch (origin.kind) {
    case 'file':
      return lineColumn ? lineColumn(origin.span) : origin.span.file;
    case 'flag':
      return origin.flag;
    case 'env':
      return `$${origin.variable}`;
    case 'default':
      return 'the built-in default';
  }
}
