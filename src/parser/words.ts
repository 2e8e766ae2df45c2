/**
 * Words as the instructions read them: a shell word of a Cubefile, a cube.yaml string, a string
 * of a JSON array; unquoting for `cube convert`; and INJECT ARGS split into arguments. The
 * reading itself (quotes, escapes, substitution) is shell-lexer.ts.
 */
import { readWord, WordReader } from './shell-lexer.js';
import type { Scope, WordResult } from './shell-lexer.js';

export type { Scope, WordError, WordResult } from './shell-lexer.js';

/**
 * Processes one shell word: removes quotes and escapes and, when `scope` is given, substitutes
 * variables. Without a scope `$` is literal (as in CMD and ENTRYPOINT).
 */
export function processWord(text: string, escape: string, scope?: Scope): WordResult {
  return readWord(new WordReader(text, escape, scope));
}

/** Removes a shell word's quotes and escapes but keeps its `$…` substitutions, for YAML output. */
export function unquoteWord(text: string, escape: string): WordResult {
  return readWord(new WordReader(text, escape, new Map(), 'shell', true));
}

/** Substitutes variables in a YAML string: quotes are plain characters, `\$` is a literal `$`. */
export function expandPlain(text: string, scope: Scope): WordResult {
  return readWord(new WordReader(text, '\\', scope, 'yaml'));
}

/** Substitutes variables in a string of a JSON array, which has no quotes or escapes left. */
export function expandJson(text: string, scope: Scope): WordResult {
  return readWord(new WordReader(text, '\\', scope, 'json'));
}

/** Splits text into shell-like words (whitespace outside quotes separates), keeping quotes. */
function splitWords(text: string, escape: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i] as string)) i++;
    if (i >= text.length) break;
    const start = i;
    let quote: string | undefined;
    while (i < text.length) {
      const c = text[i] as string;
      if (quote) {
        if (c === quote) quote = undefined;
        else if (c === escape && quote === '"') i++;
      } else if (c === "'" || c === '"') quote = c;
      else if (c === escape) i++;
      else if (/\s/.test(c)) break;
      i++;
    }
    out.push(text.slice(start, Math.min(i, text.length)));
  }
  return out;
}

/**
 * Splits a value into arguments as a shell would (quotes group, then go); the failure of a word
 * that cannot be read. `keep` keeps `$…` substitutions as written, as {@link unquoteWord} does.
 */
export function splitArguments(text: string, keep = false): string[] | Extract<WordResult, { ok: false }> {
  const out: string[] = [];
  for (const word of splitWords(text, '\\')) {
    const result = keep ? unquoteWord(word, '\\') : processWord(word, '\\');
    if (!result.ok) return result;
    out.push(result.value);
  }
  return out;
}
