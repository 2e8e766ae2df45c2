/**
 * Docker's word processing for instruction arguments: quote removal (single quotes literal,
 * double quotes with `\"`, `\\` and `\$` escapes), the escape character outside quotes, and
 * variable substitution: `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
 * `${VAR:+alt}`, `${VAR+alt}`, `${VAR:?message}`, `${VAR?message}`, with nested words in the
 * defaults. A `${VAR:?message}` whose variable is unset or empty is an error the caller reports.
 */

/** Variables visible to substitution. */
/** Where a word looks its variables up (a Map will do). */
export interface Scope {
  get(name: string): string | undefined;
}

/** A failed `${VAR:?message}` (or an unterminated quote or brace), with its offset in the word. */
export interface WordError {
  readonly kind: 'required' | 'unterminated-quote' | 'unterminated-brace' | 'bad-substitution';
  readonly message: string;
  readonly offset: number;
}

/** The result of processing one word. */
export type WordResult = { readonly ok: true; readonly value: string; readonly undefinedNames?: readonly string[] } | { readonly ok: false; readonly error: WordError };

class Fail extends Error {
  constructor(readonly detail: WordError) {
    super(detail.message);
  }
}

const NAME_START = /[A-Za-z_]/;
const MAX_NESTING = 32;
/**
 * The most a word may gain from substitutions: Linux's limit on one argument or environment
 * string (MAX_ARG_STRLEN, 128 KiB), so nothing longer could reach the sandbox anyway; without
 * it `ENV A=$A$A` repeated doubles a value until memory runs out.
 */
const MAX_EXPANSION = 128 * 1024;
const NAME_CHAR = /[A-Za-z0-9_]/;

class WordReader {
  pos = 0;
  /** Variables referenced plainly (`$X`, `${X}`) that the scope does not define. */
  readonly undefinedNames: string[] = [];
  depth = 0;
  /** Characters substitutions have added to this word so far. */
  expanded = 0;
  constructor(
    readonly text: string,
    readonly escape: string,
    readonly scope: Scope | undefined,
    /** Whether quotes are syntax (shell words) or plain characters (YAML strings, where only `\$` escapes). */
    readonly quotes: boolean = true,
    /** Keep `$…` substitutions as written and write literal dollars as `\$` (for `cube convert`). */
    readonly passthrough: boolean = false,
  ) {}

  /** Reads until `stop` (outside quotes) or the end; returns the processed text. */
  read(stop?: string): string {
    let out = '';
    while (this.pos < this.text.length) {
      const c = this.text[this.pos] as string;
      if (stop !== undefined && c === stop) return out;
      if (!this.quotes) {
        if (c === '\\' && this.text[this.pos + 1] === '$') {
          out += '$';
          this.pos += 2;
        } else if (c === '$' && this.scope) out += this.dollar();
        else {
          out += c;
          this.pos++;
        }
      } else if (c === this.escape) {
        this.pos++;
        if (this.pos < this.text.length) out += this.literal(this.text[this.pos++] as string);
        else out += c;
      } else if (c === "'") out += this.single();
      else if (c === '"') out += this.double();
      else if (c === '$' && this.scope) out += this.dollar();
      else {
        out += c;
        this.pos++;
      }
    }
    return out;
  }

  single(): string {
    const start = this.pos++;
    const end = this.text.indexOf("'", this.pos);
    if (end === -1) throw new Fail({ kind: 'unterminated-quote', message: 'a single quote is not closed', offset: start });
    const value = this.literal(this.text.slice(this.pos, end));
    this.pos = end + 1;
    return value;
  }

  double(): string {
    const start = this.pos++;
    let out = '';
    while (this.pos < this.text.length) {
      const c = this.text[this.pos] as string;
      if (c === '"') {
        this.pos++;
        return out;
      }
      if (c === this.escape && this.pos + 1 < this.text.length && '"\\$`'.includes(this.text[this.pos + 1] as string)) {
        out += this.literal(this.text[this.pos + 1] as string);
        this.pos += 2;
      } else if (c === '$' && this.scope) out += this.dollar();
      else {
        out += c;
        this.pos++;
      }
    }
    throw new Fail({ kind: 'unterminated-quote', message: 'a double quote is not closed', offset: start });
  }

  lookup(scope: Scope, name: string): string {
    const value = scope.get(name);
    if (value === undefined) this.undefinedNames.push(name);
    return value ?? '';
  }

  name(): string {
    let name = '';
    while (this.pos < this.text.length && NAME_CHAR.test(this.text[this.pos] as string)) name += this.text[this.pos++];
    return name;
  }

  /** Text that is literal in the source; in passthrough mode its dollars are marked `\$`. */
  literal(text: string): string {
    return this.passthrough ? text.replace(/\$/g, '\\$') : text;
  }

  dollar(): string {
    if (this.passthrough) {
      const start = this.pos;
      try {
        this.substitute();
      } catch (error) {
        // Only the syntax matters here; an unset required variable is for the evaluation to report.
        if (!(error instanceof Fail && error.detail.kind === 'required')) throw error;
      }
      return this.text.slice(start, this.pos);
    }
    const start = this.pos;
    const value = this.substitute();
    this.expanded += value.length;
    if (this.expanded > MAX_EXPANSION) throw new Fail({ kind: 'bad-substitution', message: `substitutions make this word longer than ${MAX_EXPANSION / 1024} KiB, the most one argument or variable can hold`, offset: start });
    return value;
  }

  substitute(): string {
    const start = this.pos++;
    // Defaults may nest (${A:-${B:-…}}); a bound keeps hostile input from exhausting the stack.
    if (++this.depth > MAX_NESTING) throw new Fail({ kind: 'bad-substitution', message: `substitutions nested more than ${MAX_NESTING} deep`, offset: start });
    try {
      return this.substituteBody(start);
    } finally {
      this.depth--;
    }
  }

  substituteBody(start: number): string {
    const scope = this.scope as Scope;
    const next = this.text[this.pos];
    if (next !== undefined && NAME_START.test(next)) return this.lookup(scope, this.name());
    if (next !== '{') return '$';
    this.pos++;
    const name = this.name();
    if (name === '') throw new Fail({ kind: 'bad-substitution', message: 'a ${…} substitution needs a variable name', offset: start });
    if (this.text[this.pos] === '}') {
      this.pos++;
      return this.lookup(scope, name);
    }
    let op = this.text[this.pos] ?? '';
    const colon = op === ':';
    if (colon) {
      this.pos++;
      op = this.text[this.pos] ?? '';
    }
    if (!'-+?'.includes(op) || op === '') {
      if (this.text.indexOf('}', this.pos) === -1) throw new Fail({ kind: 'unterminated-brace', message: 'a ${ substitution is not closed with }', offset: start });
      throw new Fail({ kind: 'bad-substitution', message: `unsupported substitution modifier "${colon ? ':' : ''}${op}" (use :-, -, :+, +, :? or ?)`, offset: start });
    }
    this.pos++;
    const word = this.read('}');
    if (this.text[this.pos] !== '}') throw new Fail({ kind: 'unterminated-brace', message: 'a ${ substitution is not closed with }', offset: start });
    this.pos++;
    const value = scope.get(name);
    const set = colon ? value !== undefined && value !== '' : value !== undefined;
    if (op === '-') return set ? (value as string) : word;
    if (op === '+') return set ? word : '';
    if (!set) throw new Fail({ kind: 'required', message: word !== '' ? `${name}: ${word}` : `${name} is required but not set`, offset: start });
    return value as string;
  }
}

/** Reads the whole word, turning a reader failure into a result. */
function readAll(reader: WordReader): WordResult {
  try {
    const value = reader.read();
    return reader.undefinedNames.length > 0 ? { ok: true, value, undefinedNames: reader.undefinedNames } : { ok: true, value };
  } catch (error) {
    if (error instanceof Fail) return { ok: false, error: error.detail };
    throw error;
  }
}

/**
 * Processes one word: removes quotes and escapes and, when `scope` is given, substitutes
 * variables. Without a scope `$` is literal (as in CMD and ENTRYPOINT).
 */
export function processWord(text: string, escape: string, scope?: Scope): WordResult {
  return readAll(new WordReader(text, escape, scope));
}

/** Removes a shell word's quotes and escapes but keeps its `$…` substitutions, for YAML output. */
export function unquoteWord(text: string, escape: string): WordResult {
  return readAll(new WordReader(text, escape, new Map(), true, true));
}

/** Substitutes variables in a YAML string: quotes are plain characters, `\$` is a literal `$`. */
export function expandPlain(text: string, scope: Scope): WordResult {
  return readAll(new WordReader(text, '\\', scope, false));
}

/** Splits text into shell-like words (whitespace outside quotes separates), keeping quotes. */
export function splitWords(text: string, escape: string): { text: string; start: number }[] {
  const out: { text: string; start: number }[] = [];
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
    out.push({ text: text.slice(start, Math.min(i, text.length)), start });
  }
  return out;
}
