/**
 * Docker's word processing for instruction arguments, as BuildKit's shell lexer does it: quote
 * removal (single quotes literal; double quotes with the escape character escaping `"`, `$` and
 * itself), the escape character outside quotes (a trailing one is dropped), and substitution:
 * `$NAME`, `${NAME}`, the positional (`$1`, `${999}`) and special (`$@ $* $# $? $- $$ $! $0`)
 * parameters, which a build never sets, and the operators `:-` `-` `:+` `+` `:?` `?` (with
 * nested words), `#` `##` `%` `%%` (trim a shell pattern) and `/` `//` (replace one). A failed
 * `${NAME:?message}` is an error the caller reports. Patterns are read by shell-pattern.ts.
 */
import type { MessageValues } from '../core/diagnostics/index.js';
import type { parseCodes } from '../core/diagnostics/codes-parse.js';
import { replacePattern, trimPattern } from './shell-pattern.js';

/** Where a word looks its variables up (a Map will do). */
export interface Scope {
  get(name: string): string | undefined;
}

type BadWord = typeof parseCodes.badWord.messages;

/** Why a word cannot be read: a message of CUBE1013, its values, and where in the word. */
export type WordError = { readonly [K in keyof BadWord]: { readonly kind: K; readonly values: MessageValues<BadWord[K]>; readonly offset: number } }[keyof BadWord];

/** The result of processing one word. */
export type WordResult = { readonly ok: true; readonly value: string; readonly undefinedNames?: readonly string[] } | { readonly ok: false; readonly error: WordError };

/** A word that cannot be read, thrown out of the reader and caught by {@link readWord}. */
class Fail extends Error {
  constructor(readonly detail: WordError) {
    super(detail.kind);
  }
}

/** How a word is written: a shell word, a cube.yaml string (only `\$` escapes), a JSON string (nothing escapes). */
type Syntax = 'shell' | 'yaml' | 'json';

const MAX_NESTING = 32;
/**
 * The most a word may gain from substitutions: Linux's limit on one argument or environment
 * string (MAX_ARG_STRLEN, 128 KiB), so nothing longer could reach the sandbox anyway; without
 * it `ENV A=$A$A` repeated doubles a value until memory runs out.
 */
const MAX_EXPANSION = 128 * 1024;
/** The special parameters of POSIX sh (`$0` is read as a positional one). */
const SPECIAL = '@*#?-$!';
const DIGIT = /^\p{Nd}$/u;
const NAME_CHAR = /^[\p{L}\p{Nd}_]$/u;

/** Reads one word: quotes, escapes and substitutions, as BuildKit's lexer does. */
export class WordReader {
  pos = 0;
  /** Variables referenced plainly (`$X`, `${X}`) that the scope does not define. */
  readonly undefinedNames: string[] = [];
  depth = 0;
  /** Characters substitutions have added to this word so far. */
  expanded = 0;
  constructor(
    readonly text: string,
    readonly escape: string,
    /** Without a scope `$` is literal. */
    readonly scope: Scope | undefined,
    readonly syntax: Syntax = 'shell',
    /** Keep `$…` substitutions as written and write literal dollars as `\$` (for `cube convert`). */
    readonly passthrough: boolean = false,
  ) {}

  fail<K extends keyof BadWord>(kind: K, offset: number, ...values: MessageValues<BadWord[K]> extends Record<string, never> ? [] : [MessageValues<BadWord[K]>]): never {
    throw new Fail({ kind, values: values[0] ?? {}, offset } as WordError);
  }

  /**
   * Reads until `stop` (outside quotes, consumed) or the end; returns the processed text. `raw`
   * keeps escapes as written, for the patterns of `#`, `%` and `/`, which read them themselves.
   */
  read(stop?: string, raw = false): string {
    let out = '';
    while (this.pos < this.text.length) {
      const c = this.text[this.pos] as string;
      if (c === stop) {
        this.pos++;
        return out;
      }
      if (c === '$' && this.scope) out += this.dollar();
      else if (this.syntax === 'shell' && c === "'") out += this.single();
      else if (this.syntax === 'shell' && c === '"') out += this.double(raw);
      else if (this.syntax === 'shell' && c === this.escape) {
        this.pos++;
        if (raw) out += c;
        // A trailing escape character escapes nothing and is dropped.
        if (this.pos < this.text.length) out += this.literal(this.text[this.pos++] as string);
      } else if (this.syntax === 'yaml' && c === '\\' && this.text[this.pos + 1] === '$') {
        out += '$';
        this.pos += 2;
      } else {
        out += c;
        this.pos++;
      }
    }
    if (stop !== undefined) this.fail('unclosedBrace', this.text.length);
    return out;
  }

  single(): string {
    const start = this.pos++;
    const end = this.text.indexOf("'", this.pos);
    if (end === -1) this.fail('singleQuote', start);
    const value = this.literal(this.text.slice(this.pos, end));
    this.pos = end + 1;
    return value;
  }

  double(raw: boolean): string {
    const start = this.pos++;
    let out = '';
    while (this.pos < this.text.length) {
      const c = this.text[this.pos] as string;
      if (c === '"') {
        this.pos++;
        return out;
      }
      if (c === '$' && this.scope) {
        out += this.dollar();
        continue;
      }
      this.pos++;
      const next = this.text[this.pos];
      if (c === this.escape && next !== undefined && (next === '"' || next === '$' || next === this.escape)) {
        out += (raw ? c : '') + this.literal(next);
        this.pos++;
      } else if (c === this.escape && next === undefined) break;
      else out += c === this.escape && raw ? c + c : c;
    }
    return this.fail('doubleQuote', start);
  }

  /** Text that is literal in the source; in passthrough mode its dollars are marked `\$`. */
  literal(text: string): string {
    return this.passthrough ? text.replace(/\$/g, '\\$') : text;
  }

  lookup(name: string): string {
    const value = (this.scope as Scope).get(name);
    if (value === undefined) this.undefinedNames.push(name);
    return value ?? '';
  }

  /** The character (code point) at the reading position, if any. */
  peek(): string | undefined {
    const code = this.text.codePointAt(this.pos);
    return code === undefined ? undefined : String.fromCodePoint(code);
  }

  /** A parameter name: digits (positional), one special character, or letters, digits and `_`. */
  name(): string {
    let name = '';
    const first = this.peek();
    if (first !== undefined && DIGIT.test(first)) {
      for (let c = this.peek(); c !== undefined && DIGIT.test(c); c = this.peek()) {
        name += c;
        this.pos += c.length;
      }
      return name;
    }
    if (first !== undefined && SPECIAL.includes(first)) {
      this.pos++;
      return first;
    }
    for (let c = this.peek(); c !== undefined && NAME_CHAR.test(c); c = this.peek()) {
      name += c;
      this.pos += c.length;
    }
    return name;
  }

  dollar(): string {
    const start = this.pos;
    if (this.passthrough) {
      try {
        this.substitute();
      } catch (error) {
        // Only the syntax matters here; an unset required variable is for the evaluation to report.
        if (!(error instanceof Fail && ['required', 'unset', 'empty'].includes(error.detail.kind))) throw error;
      }
      return this.text.slice(start, this.pos);
    }
    const value = this.substitute();
    this.expanded += value.length;
    if (this.expanded > MAX_EXPANSION) this.fail('tooLong', start, { kib: MAX_EXPANSION / 1024 });
    return value;
  }

  substitute(): string {
    const start = this.pos++;
    // Defaults may nest (${A:-${B:-…}}); a bound keeps hostile input from exhausting the stack.
    if (++this.depth > MAX_NESTING) this.fail('tooDeep', start, { depth: MAX_NESTING });
    try {
      if (this.text[this.pos] !== '{') {
        const name = this.name();
        return name === '' ? '$' : this.lookup(name);
      }
      this.pos++;
      return this.braced(start);
    } finally {
      this.depth--;
    }
  }

  /** `${…}` after its `{`. */
  braced(start: number): string {
    const first = this.text[this.pos];
    if (first === undefined) this.fail('unclosedBrace', start);
    if (first === '{' || first === '}' || first === ':') this.fail('noName', start);
    const name = this.name();
    const op = this.text[this.pos++];
    if (op === '}') return this.lookup(name);
    if (op === undefined) this.fail('unclosedBrace', start);
    if (op === '/') return this.replace(name, start);
    const colon = op === ':';
    const modifier = colon ? this.text[this.pos++] : op;
    if (modifier === undefined) this.fail('unclosedBrace', start);
    if (!'-+?#%'.includes(modifier) || (colon && (modifier === '#' || modifier === '%'))) this.fail('modifier', start, { modifier: `${colon ? ':' : ''}${modifier}` });
    const word = this.read('}', modifier === '#' || modifier === '%');
    const value = (this.scope as Scope).get(name);
    const set = value !== undefined && !(colon && value === '');
    if (modifier === '-') return set ? (value as string) : word;
    if (modifier === '+') return set ? word : '';
    if (modifier === '?') {
      if (set) return value as string;
      if (word !== '') this.fail('required', start, { name, message: word });
      return this.fail(value === undefined ? 'unset' : 'empty', start, { name });
    }
    const greedy = word.startsWith(modifier);
    const trimmed = trimPattern(value ?? '', greedy ? word.slice(1) : word, modifier === '#' ? 'prefix' : 'suffix', greedy);
    return trimmed ?? this.fail('badPattern', start, { pattern: word });
  }

  /** `${NAME/pattern/replacement}` and `${NAME//pattern/replacement}`, after the first `/`. */
  replace(name: string, start: number): string {
    const all = this.text[this.pos] === '/';
    if (all) this.pos++;
    const pattern = this.read('/', true);
    const replacement = this.read('}', true);
    const replaced = replacePattern((this.scope as Scope).get(name) ?? '', pattern, replacement, all);
    return replaced ?? this.fail('badPattern', start, { pattern });
  }
}

/** Reads the whole word, turning a reader failure into a result. */
export function readWord(reader: WordReader): WordResult {
  try {
    const value = reader.read();
    return reader.undefinedNames.length > 0 ? { ok: true, value, undefinedNames: reader.undefinedNames } : { ok: true, value };
  } catch (error) {
    if (error instanceof Fail) return { ok: false, error: error.detail };
    throw error;
  }
}
