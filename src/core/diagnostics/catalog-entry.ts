/**
 * The shape of a catalog entry; each stage's code table is a record of these. An entry holds
 * the message templates of its code: call sites name a template and pass the values that fill
 * it, so every word a user reads is written here, beside the code it belongs to.
 */
import type { Severity } from './diagnostic.js';

/**
 * A message template: its text, and optionally a hint and notes of its own (used instead of the
 * entry's hint) and a `suggest` hint used when the call site offers a "did you mean". `{name}`
 * marks where the call site's value `name` goes; `{suggestion}` is the suggestion.
 */
export type MessageTemplate =
  | string
  | {
      readonly text: string;
      readonly hint?: string;
      readonly suggest?: string;
      readonly notes?: readonly string[];
    };

/** One stable diagnostic code: `CUBE0xxx` command line, `1xxx` parse (`12xx` checks), `2xxx` plan, `3xxx` build, `4xxx` a build's output (run, inspect). */
export interface CatalogEntry {
  readonly code: `CUBE${number}`;
  readonly severity: Severity;
  /** One line saying what the code means, for the documentation. */
  readonly summary: string;
  /** The default fix hint, used when the message gives none of its own. */
  readonly hint?: string;
  /**
   * The name of the check, for codes that are style or safety checks rather than hard errors
   * (`JSONArgsRecommended`): `# check=skip=NAME`, `--skip NAME` and `--strict` act on these only.
   */
  readonly rule?: string;
  /** The messages this code is reported with, by name. */
  readonly messages: Readonly<Record<string, MessageTemplate>>;
}

/** Characters that cannot be in a placeholder's name, so `${…}` in a message is text, not a placeholder. */
type NotInName = '{' | ' ' | '…' | '$' | ':' | '-' | '+' | '?' | '.' | '/' | '"' | "'" | '=' | '*' | ',' | '(' | ')';

/** The placeholder names in a template text. */
type Placeholders<T extends string> = T extends `${string}{${infer P}}${infer R}` ? (P extends `${string}${NotInName}${string}` | '' ? never : P) | Placeholders<R> : never;

/** Every text of a template: message, hint, suggestion hint and notes. */
type TemplateTexts<M> = M extends string
  ? M
  : (M extends { readonly text: infer T extends string } ? T : never)
    | (M extends { readonly hint: infer H extends string } ? H : never)
    | (M extends { readonly suggest: infer S extends string } ? S : never)
    | (M extends { readonly notes: readonly (infer N extends string)[] } ? N : never);

/**
 * The values a template needs, by placeholder name (the suggestion is passed on its own). For a
 * choice of templates, the values of any one of them.
 */
export type MessageValues<M> = M extends unknown ? { readonly [P in Exclude<Placeholders<TemplateTexts<M>>, 'suggestion'>]: string | number } : never;
