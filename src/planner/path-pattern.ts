/**
 * COPY source patterns, with the rules of Go's filepath.Match that Docker documents for COPY:
 * `*` matches any run of characters but `/`, `?` one character but `/`, `[…]` one character of a
 * class of characters and `lo-hi` ranges (`[^…]` negated; `\` escapes inside it), and `\`
 * escapes any character. A class that starts with `]`, has a `-` where a character belongs, or
 * is not closed, and a trailing `\`, make the pattern bad, as ErrBadPattern does; a range whose
 * ends are reversed (`[z-a]`) is valid and matches nothing, as in Go.
 */

/** Why a pattern is bad. */
type PatternProblem = 'unclosedClass' | 'classBracket' | 'classDash' | 'trailingEscape';

/** A compiled pattern, or why it is bad. */
export type CompiledPattern = { readonly matches: (name: string) => boolean } | { readonly problem: PatternProblem };

/**
 * Whether a COPY source is a pattern: it has `*`, `?` or `[` that no `\` escapes (a source
 * without one names a path as written, backslashes included, as BuildKit reads it).
 */
export function hasWildcards(source: string): boolean {
  for (let i = 0; i < source.length; i++) {
    if (source[i] === '\\') i++;
    else if ('*?['.includes(source[i] as string)) return true;
  }
  return false;
}

/** One character of a regular expression, whatever it is. */
function literal(char: string): string {
  return `\\u{${(char.codePointAt(0) as number).toString(16)}}`;
}

class Fail extends Error {
  constructor(readonly problem: PatternProblem) {
    super(problem);
  }
}

/** A class character: `\` escapes the next one; `-` and `]` cannot be one; the class must go on. */
function classChar(chars: readonly string[], at: number): { char: string; next: number } {
  let i = at;
  const c = chars[i];
  if (c === undefined) throw new Fail('unclosedClass');
  if (c === '-') throw new Fail('classDash');
  if (c === ']') throw new Fail('classBracket');
  if (c === '\\') i++;
  const char = chars[i];
  if (char === undefined || chars[i + 1] === undefined) throw new Fail('unclosedClass');
  return { char, next: i + 1 };
}

/** `[…]` from its `[` at `at`: the regular expression and where the pattern goes on. */
function characterClass(chars: readonly string[], at: number): { source: string; next: number } {
  let i = at + 1;
  const negated = chars[i] === '^';
  if (negated) i++;
  const ranges: string[] = [];
  for (let count = 0; !(chars[i] === ']' && count > 0); count++) {
    const lo = classChar(chars, i);
    let hi = lo;
    if (chars[lo.next] === '-') {
      // `[a-]`: the `-` has no character after it.
      if (chars[lo.next + 1] === ']') throw new Fail('classDash');
      hi = classChar(chars, lo.next + 1);
    }
    // A reversed range is not an error in Go: it matches nothing.
    if ((lo.char.codePointAt(0) as number) <= (hi.char.codePointAt(0) as number)) ranges.push(`${literal(lo.char)}-${literal(hi.char)}`);
    i = hi.next;
  }
  const body = ranges.join('');
  const source = negated ? (body === '' ? '[\\s\\S]' : `[^${body}]`) : body === '' ? '(?!)' : `[${body}]`;
  return { source, next: i + 1 };
}

/** Compiles a pattern; matching is of the whole name. */
export function compilePattern(pattern: string): CompiledPattern {
  const chars = [...pattern];
  let source = '';
  try {
    for (let i = 0; i < chars.length; ) {
      const c = chars[i] as string;
      if (c === '*') source += '[^/]*';
      else if (c === '?') source += '[^/]';
      else if (c === '[') {
        const cls = characterClass(chars, i);
        source += cls.source;
        i = cls.next;
        continue;
      } else if (c === '\\') {
        const next = chars[i + 1];
        if (next === undefined) throw new Fail('trailingEscape');
        source += literal(next);
        i++;
      } else source += literal(c);
      i++;
    }
  } catch (error) {
    if (error instanceof Fail) return { problem: error.problem };
    throw error;
  }
  const regex = new RegExp(`^${source}$`, 'u');
  return { matches: (name) => regex.test(name) };
}
