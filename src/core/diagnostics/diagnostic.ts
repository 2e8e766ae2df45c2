/**
 * Diagnostics are values: created with a code from the catalog and a span, collected, and printed
 * by one renderer. Positions are UTF-16 offsets into the source text and become line:column only
 * when a diagnostic is printed, so a stage never has to track lines itself.
 */
import { escapeName } from '../names.js';
import type { CatalogEntry, MessageTemplate, MessageValues } from './catalog-entry.js';

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

/** An origin in the words plan sources and explanations use: the flag, `$VARIABLE`, `default`, or the file's location. */
export function originLabel(origin: Origin, location: (span: Span) => string): string {
  switch (origin.kind) {
    case 'flag':
      return origin.flag;
    case 'env':
      return `$${origin.variable}`;
    case 'default':
      return 'default';
    case 'file':
      return location(origin.span);
  }
}

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
  /** A "did you mean" candidate: the message's `suggest` hint is used, filled with it. */
  readonly suggestion?: string;
}

const PLACEHOLDER = /\{([A-Za-z][A-Za-z0-9]*)\}/g;

/**
 * Fills a template's placeholders with `values`; a placeholder without a value stays as written.
 * A value can be a name whose bytes are not UTF-8 (src/core/names.ts): those show as `\xNN`.
 */
function fill(template: string, values: Readonly<Record<string, string | number>>): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => (name in values ? escapeName(String(values[name])) : whole));
}

/**
 * Creates a diagnostic from a catalog entry and one of its message templates, filled with
 * `values`; the entry fixes its code and severity, the template (else the entry) its hint.
 */
export function createDiagnostic<E extends CatalogEntry, K extends keyof E['messages'] & string>(
  entry: E,
  message: K,
  values: MessageValues<E['messages'][K]>,
  options: DiagnosticOptions = {},
): Diagnostic {
  const template = entry.messages[message] as MessageTemplate;
  const parts = typeof template === 'string' ? { text: template } : template;
  const all: Record<string, string | number> = { ...(values as Record<string, string | number>), ...(options.suggestion !== undefined ? { suggestion: options.suggestion } : {}) };
  const hint = options.suggestion !== undefined && parts.suggest !== undefined ? parts.suggest : (parts.hint ?? entry.hint);
  return {
    code: entry.code,
    severity: entry.severity,
    message: fill(parts.text, all),
    notes: (parts.notes ?? []).map((note) => ({ message: fill(note, all) })),
    ...(options.span ? { span: options.span } : {}),
    ...(hint !== undefined ? { hint: fill(hint, all) } : {}),
  };
}

/** The text of a catalog template filled with `values`, for a hint made of a code's words. */
export function catalogText<E extends CatalogEntry, K extends keyof E['messages'] & string>(entry: E, message: K, values: MessageValues<E['messages'][K]>): string {
  return createDiagnostic(entry, message, values).message;
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
