/**
 * The syntax tree both surface forms parse into: a Cubefile and its cube.yaml twin give the same
 * instructions, differing only in how their words are written (`shell` words keep Docker's
 * quoting; `yaml` words are plain strings). Variables are still unexpanded here, so `cube convert`
 * keeps ARGs and `${…}` as written; evaluate.ts gives the tree its meaning.
 */
import type { Span } from '../core/diagnostics/index.js';

/** One word as written, with where it was written. */
export interface Val {
  readonly text: string;
  readonly span: Span;
}

/** A command: JSON exec form or shell form (never substituted). */
export type CommandAst = { readonly form: 'exec'; readonly argv: readonly string[] } | { readonly form: 'shell'; readonly command: string };

/**
 * INJECT's ARGS: one word that splits into arguments as a shell would (`ARGS "-a 1 -b"` in a
 * Cubefile), or a list of arguments (cube.yaml), each one argument as it is.
 */
export type InjectArgs = Val | readonly Val[];

/** One instruction. `span` covers the whole instruction. */
export type Instruction =
  | { readonly kind: 'arg'; readonly span: Span; readonly name: Val; readonly default?: Val }
  | { readonly kind: 'from'; readonly span: Span; readonly image: Val; readonly platform?: Val }
  | { readonly kind: 'inject'; readonly span: Span; readonly name: Val; readonly path?: Val; readonly to?: Val; readonly port?: Val; readonly args?: InjectArgs; readonly firecracker?: Span }
  | {
      readonly kind: 'copy';
      readonly span: Span;
      readonly sources: readonly Val[];
      readonly dest: Val;
      readonly chown?: Val;
      readonly chmod?: Val;
      /** Sources and destination are the strings of a JSON array: substituted, with no quotes to remove. */
      readonly json?: true;
    }
  | { readonly kind: 'env' | 'label'; readonly span: Span; readonly pairs: readonly { readonly name: Val; readonly value: Val }[] }
  | { readonly kind: 'workdir'; readonly span: Span; readonly path: Val }
  | { readonly kind: 'user'; readonly span: Span; readonly user: Val }
  | { readonly kind: 'expose'; readonly span: Span; readonly ports: readonly Val[] }
  | { readonly kind: 'cmd' | 'entrypoint'; readonly span: Span; readonly command: CommandAst }
  | { readonly kind: 'wrap'; readonly span: Span }
  | { readonly kind: 'seal'; readonly span: Span; readonly format: Val; readonly size?: Val; readonly free?: Val; readonly options: readonly Val[] };

/** A parsed build file. `words` says how word text is to be read. */
export interface Document {
  readonly words: 'shell' | 'yaml';
  /** The escape character of shell words (`\` or `` ` ``). */
  readonly escape: '\\' | '`';
  readonly instructions: readonly Instruction[];
  /** The `# check=` directive's value (Docker's syntax, in a Cubefile or cube.yaml's top comments). */
  readonly check?: Val;
}
