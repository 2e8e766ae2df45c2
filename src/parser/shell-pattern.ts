/**
 * The shell patterns of `${NAME#pattern}`, `${NAME%pattern}` and `${NAME/pattern/replacement}`,
 * as BuildKit reads them: `*` any run of characters (the shortest, or with `##`/`%%`/`/` the
 * longest), `?` one character, `\` escaping `*`, `?` or itself (and `}` or `/`, which it only
 * keeps from ending the pattern). Bracket expressions are not special here.
 */

/** Characters that are literal in a pattern but special in a regular expression. */
const REGEX_SPECIAL = '[]{}.+()|^$';

/** A pattern as a regular expression source; undefined when it has an escape of anything else. */
function patternSource(pattern: string, greedy: boolean): string | undefined {
  const chars = [...pattern];
  let out = '';
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    if (c === '*') out += greedy ? '.*' : '.*?';
    else if (c === '?') out += '.';
    else if (c === '\\') {
      const next = chars[i + 1];
      // `\}` and `\/` only kept the pattern from ending there: the next character is plain.
      if (next === '}' || next === '/') continue;
      if (next !== '*' && next !== '?' && next !== '\\') return undefined;
      out += `\\${next}`;
      i++;
    } else out += REGEX_SPECIAL.includes(c) ? `\\${c}` : c;
  }
  return out;
}

/** A pattern written backwards, each escape still before the character it escapes (`a\*c` → `c\*a`). */
function reversePattern(pattern: string): string {
  const chars = [...pattern];
  const out: string[] = [];
  for (let i = 0; i < chars.length; i++) {
    if (chars[i] === '\\' && i !== chars.length - 1) {
      out.unshift('\\' + (chars[i + 1] as string));
      i++;
    } else out.unshift(chars[i] as string);
  }
  return out.join('');
}

function reverse(text: string): string {
  return [...text].reverse().join('');
}

function trimStart(value: string, pattern: string, greedy: boolean): string | undefined {
  const source = patternSource(pattern, greedy);
  if (source === undefined) return undefined;
  const match = new RegExp(`^(?:${source})`, 'u').exec(value);
  return match ? value.slice(match[0].length) : value;
}

/**
 * `value` without the shortest (or `greedy`: longest) prefix or suffix matching `pattern`;
 * undefined when the pattern is not valid. A suffix is trimmed as a prefix of both reversed.
 */
export function trimPattern(value: string, pattern: string, end: 'prefix' | 'suffix', greedy: boolean): string | undefined {
  if (end === 'prefix') return trimStart(value, pattern, greedy);
  const trimmed = trimStart(reverse(value), reversePattern(pattern), greedy);
  return trimmed === undefined ? undefined : reverse(trimmed);
}

/** `value` with the first (or `all`) longest matches of `pattern` replaced; undefined when the pattern is not valid. */
export function replacePattern(value: string, pattern: string, replacement: string, all: boolean): string | undefined {
  const source = patternSource(pattern, true);
  if (source === undefined) return undefined;
  return value.replace(new RegExp(source, all ? 'gu' : 'u'), () => replacement);
}
