/**
 * COPY source patterns with the rules of Go's filepath.Match, which Docker documents for COPY:
 * `*` any run of characters but `/`, `?` one character but `/`, `[…]` a class of characters and
 * ranges (negated by a leading `^`; `\` escapes within it), `\` escaping any character, the
 * whole name matched. A `-` or `]` where a class needs a character, an unclosed class or a
 * trailing `\` make the pattern bad (Go's ErrBadPattern). Expectations follow that grammar.
 */
import { describe, expect, it } from 'vitest';
import { compilePattern, hasWildcards } from '../../src/planner/path-pattern.js';

function matches(pattern: string, name: string): boolean | 'bad' {
  const compiled = compilePattern(pattern);
  return 'problem' in compiled ? 'bad' : compiled.matches(name);
}

describe('filepath.Match', () => {
  it.each([
    ['abc', 'abc', true],
    ['abc', 'abcd', false],
    ['*', 'abc', true],
    ['*', '', true],
    ['*c', 'abc', true],
    ['a*', 'a', true],
    ['a*', 'abc', true],
    ['a*', 'ab/c', false],
    ['a*/b', 'abc/b', true],
    ['a*/b', 'a/c/b', false],
    ['a*b*c*d*e*/f', 'axbxcxdxe/f', true],
    ['a*b*c*d*e*/f', 'axbxcxdxexxx/f', true],
    ['a*b*c*d*e*/f', 'axbxcxdxe/xxx/f', false],
    ['a*b*c*d*e*/f', 'axbxcxdxexxx/fff', false],
    ['a*b?c*x', 'abxbbxdbxebxczzx', true],
    ['a*b?c*x', 'abxbbxdbxebxczzy', false],
    ['ab[c]', 'abc', true],
    ['ab[b-d]', 'abc', true],
    ['ab[e-g]', 'abc', false],
    ['ab[^c]', 'abc', false],
    ['ab[^b-d]', 'abc', false],
    ['ab[^e-g]', 'abc', true],
    ['a\\*b', 'a*b', true],
    ['a\\*b', 'ab', false],
    ['a\\b', 'ab', true],
    ['a?b', 'a☺b', true],
    ['a[^a]b', 'a☺b', true],
    ['a???b', 'a☺b', false],
    ['a[^a][^a][^a]b', 'a☺b', false],
    ['[a-ζ]*', 'α', true],
    ['*[a-ζ]', 'A', false],
    ['a?b', 'a/b', false],
    ['a*b', 'a/b', false],
    ['[\\]a]', ']', true],
    ['[\\-]', '-', true],
    ['[x\\-]', 'x', true],
    ['[x\\-]', '-', true],
    ['[x\\-]', 'z', false],
    ['[\\-x]', 'x', true],
    ['[\\-x]', '-', true],
    ['[\\-x]', 'a', false],
    ['[!a]', '!', true],
    ['[!a]', 'b', false],
    ['[z-a]', 'm', false],
    ['[z-a]', 'z', false],
    ['[a-a]', 'a', true],
    ['*x', 'xxx', true],
    ['[.]*', '.hidden', true],
    ['.*', '.hidden', true],
    ['[', 'a', 'bad'],
    ['[^', 'a', 'bad'],
    ['[^bc', 'a', 'bad'],
    ['a[', 'a', 'bad'],
    ['a[', 'ab', 'bad'],
    ['a[', 'x', 'bad'],
    ['a/b[', 'x', 'bad'],
    ['\\', 'a', 'bad'],
    ['a\\', 'a', 'bad'],
    ['[]a]', ']', 'bad'],
    ['[]', '', 'bad'],
    ['[^]', 'a', 'bad'],
    ['[-]', '-', 'bad'],
    ['[x-]', 'x', 'bad'],
    ['[-x]', 'x', 'bad'],
    ['[a-b-c]', 'a', 'bad'],
    ['[a-\\', 'a', 'bad'],
    ['*[', 'x', 'bad'],
  ] as const)('%s against %s', (pattern, name, expected) => expect(matches(pattern, name)).toBe(expected));

  it('says what makes a pattern bad', () => {
    expect(compilePattern('a[bc')).toMatchObject({ problem: 'unclosedClass' });
    expect(compilePattern('[]a]')).toMatchObject({ problem: 'classBracket' });
    expect(compilePattern('[x-]')).toMatchObject({ problem: 'classDash' });
    expect(compilePattern('[a-b-c]')).toMatchObject({ problem: 'classDash' });
    expect(compilePattern('ab\\')).toMatchObject({ problem: 'trailingEscape' });
  });
});

describe('what counts as a pattern', () => {
  it.each([
    ['app/*.py', true],
    ['a?', true],
    ['[ab]', true],
    ['plain/file.txt', false],
    ['a\\*b', false],
    ['a\\\\*', true],
    ['back\\slash', false],
  ] as const)('%s', (source, expected) => expect(hasWildcards(source)).toBe(expected));
});
