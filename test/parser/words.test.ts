/**
 * Variable substitution and quoting case by case, as Docker's (BuildKit's) shell lexer does them.
 * Each expectation is written from the documented behaviour: Docker's "Environment replacement"
 * (`$VAR`, `${VAR}`, `:-`, `:+`, `#`, `%`, `/` and their greedy forms), POSIX sh's quoting, and
 * its positional (`$1`) and special (`$@ $* $# $? $- $$ $! $0`) parameters, which a build never
 * sets and so expand to nothing.
 */
import { describe, expect, it } from 'vitest';
import { expandJson, expandPlain, processWord, splitArguments, unquoteWord } from '../../src/parser/words.js';

const scope = new Map([
  ['HOME', '/root'],
  ['APP', 'web'],
  ['EMPTY', ''],
  ['FILE', 'archive.tar.gz'],
  ['PATHS', '/a/b/c'],
  ['GREETING', '안녕'],
  ['이름', 'kim'],
]);

/** The value of a shell word, or `error`. */
function value(word: string, escape = '\\'): string {
  const result = processWord(word, escape, scope);
  return result.ok ? result.value : 'error';
}

describe('quotes and escapes', () => {
  it.each([
    ['plain', 'plain'],
    ["it'se'lf", 'itself'],
    ["it'self", 'error'],
    ["it\\'s", "it's"],
    ["a\\\\'b", 'error'],
    ['a\\tb', 'atb'],
    ['"a\\tb"', 'a\\tb'],
    ['"a\\\\tb"', 'a\\tb'],
    ["'a\\tb'", 'a\\tb'],
    ['end\\', 'end'],
    ['end\\\\', 'end\\'],
    ['"open', 'error'],
    ['"open\\"', 'error'],
    ['"one\'two"', "one'two"],
    ["'open", 'error'],
    ["'back\\'", 'back\\'],
    ['"\'\'"', "''"],
    ["'\"q\"'", '"q"'],
    ['"\\`"', '\\`'],
    ['안\'녕\'', '안녕'],
  ])('%s → %s', (word, expected) => expect(value(word)).toBe(expected));

  it('takes the escape directive\'s character instead of the backslash', () => {
    expect(value('a`$HOME', '`')).toBe('a$HOME');
    expect(value('C:\\dir', '`')).toBe('C:\\dir');
    expect(value('"a`"b"', '`')).toBe('a"b');
    expect(value('"a\\$HOME"', '`')).toBe('a\\/root');
  });
});

describe('variables', () => {
  it.each([
    ['$HOME', '/root'],
    ['${HOME}', '/root'],
    ['x$HOME.y', 'x/root.y'],
    ['$APP-1', 'web-1'],
    ['${APP}1', 'web1'],
    ['$UNSET', ''],
    ['a${UNSET}b', 'ab'],
    ['$.', '$.'],
    ['a$', 'a$'],
    ['$ a', '$ a'],
    ['\\$HOME', '$HOME'],
    ['\\\\$HOME', '\\/root'],
    ['"\\$HOME"', '$HOME'],
    ['"$HOME"', '/root'],
    ["'$HOME'", '$HOME'],
    ['"it\'s $APP"', "it's web"],
    ['\\${}', '${}'],
    ['$GREETING', '안녕'],
    ['$이름', 'kim'],
    ['${이름}!', 'kim!'],
    ['${}', 'error'],
    ['${:}', 'error'],
    ['${{APP}}', 'error'],
    ['${.}', 'error'],
    ['${APP', 'error'],
    ['${APP}}', 'web}'],
  ])('%s → %s', (word, expected) => expect(value(word)).toBe(expected));
});

describe('positional and special parameters expand to nothing', () => {
  const parameters = ['1', '2', '9', '10', '999', '001', '@', '*', '#', '?', '-', '$', '!', '0'];
  it.each(parameters)('$%s', (p) => {
    expect(value(`a$${p}b`)).toBe('ab');
    expect(value(`a\${${p}}b`)).toBe('ab');
    expect(value(`\${${p}:-default}`)).toBe('default');
    expect(value(`\${${p}-default}`)).toBe('default');
    expect(value(`\${${p}:+alt}`)).toBe('');
    expect(value(`\${${p}:?}`)).toBe('error');
  });

  it.each([
    ['$1x', 'x'],
    ['$999aaa', 'aaa'],
    ['$@@@', '@@'],
    ['$$$', '$'],
    ['$#x', 'x'],
    ['${#}', ''],
    ['${?:-x}', 'x'],
    ['${#HOME}', 'error'],
  ])('%s → %s', (word, expected) => expect(value(word)).toBe(expected));
});

describe('operators', () => {
  it.each([
    ['${UNSET:-x}', 'x'],
    ['${EMPTY:-x}', 'x'],
    ['${EMPTY-x}', ''],
    ['${UNSET-x}', 'x'],
    ['${APP:-x}', 'web'],
    ['${UNSET:-$HOME}', '/root'],
    ['${UNSET:-${NOPE:-deep}}', 'deep'],
    ['${UNSET:-a b}', 'a b'],
    ['${UNSET:-"q}"}', 'q}'],
    ['${UNSET:-\\}}', '}'],
    ['${UNSET:-{x}', '{x'],
    ['${UNSET:-x ${APP}', 'error'],
    ['${APP:+x}', 'x'],
    ['${EMPTY:+x}', ''],
    ['${EMPTY+x}', 'x'],
    ['${UNSET+x}', ''],
    ['${APP:+$HOME:}', '/root:'],
    ['${UNSET:-\\$HOME:}', '$HOME:'],
    ['${APP?}', 'web'],
    ['${EMPTY?}', ''],
    ['${EMPTY:?}', 'error'],
    ['${UNSET?}', 'error'],
    ['${APP:=x}', 'error'],
    ['${APP:x}', 'error'],
    ['${APP:#x}', 'error'],
    ['${APP:%x}', 'error'],
    ['${:-x}', 'error'],
  ])('%s → %s', (word, expected) => expect(value(word)).toBe(expected));

  it('names the variable and the message of a failed ${VAR:?message}', () => {
    const result = processWord('${UNSET:?set it with --build-arg $APP}', '\\', scope);
    expect(result).toMatchObject({ ok: false, error: { kind: 'required', values: { name: 'UNSET', message: 'set it with --build-arg web' } } });
  });
});

describe('pattern operators', () => {
  it.each([
    ['${FILE#*.}', 'tar.gz'],
    ['${FILE##*.}', 'gz'],
    ['${FILE%.*}', 'archive.tar'],
    ['${FILE%%.*}', 'archive'],
    ['${FILE#archive}', '.tar.gz'],
    ['${FILE#nothing}', 'archive.tar.gz'],
    ['${FILE#}', 'archive.tar.gz'],
    ['${FILE#*}', 'archive.tar.gz'],
    ['${FILE##*}', ''],
    ['${FILE%?z}', 'archive.tar.'],
    ['${PATHS#/*/}', 'b/c'],
    ['${PATHS##*/}', 'c'],
    ['${PATHS%/*}', '/a/b'],
    ['${UNSET#x}', ''],
    ['${FILE#$APP}', 'archive.tar.gz'],
    ['${FILE/a/A}', 'Archive.tar.gz'],
    ['${FILE//a/A}', 'Archive.tAr.gz'],
    ['${FILE/.*/}', 'archive'],
    ['${FILE//[a]/x}', 'archive.tar.gz'],
    ['${PATHS//\\//:}', ':a:b:c'],
    ['${FILE/r*/$APP}', 'aweb'],
    ['${FILE/', 'error'],
    ['${FILE/a', 'error'],
    ['${FILE#\\x}', 'error'],
  ])('%s → %s', (word, expected) => expect(value(word)).toBe(expected));

  it('reads * and ? after an escape as themselves', () => {
    expect(processWord('${V%%\\**}', '\\', new Map([['V', 'xx**']]))).toMatchObject({ value: 'xx' });
    expect(processWord('${V#?\\?}', '\\', new Map([['V', 'a?b']]))).toMatchObject({ value: 'b' });
    expect(processWord('${V#()[]{\\}^$.\\*\\?|\\\\}', '\\', new Map([['V', '()[]{}^$.*?|\\x']]))).toMatchObject({ value: 'x' });
  });
});

describe('the other surface forms', () => {
  it('reads cube.yaml strings: quotes are characters, \\$ is a dollar', () => {
    expect(expandPlain(`"$APP" 'x' \\$HOME \\n`, scope)).toMatchObject({ value: `"web" 'x' $HOME \\n` });
    expect(expandPlain('${1:-one}', scope)).toMatchObject({ value: 'one' });
  });

  it('reads the strings of a JSON array: substitution only', () => {
    expect(expandJson(`"$APP" 'x' \\$HOME \\`, scope)).toMatchObject({ value: `"web" 'x' \\/root \\` });
  });

  it('keeps substitutions as written and marks literal dollars when unquoting for cube convert', () => {
    expect(unquoteWord(`"$APP \\$x" '$y' \${1:-\${#}}`, '\\')).toMatchObject({ value: '$APP \\$x \\$y ${1:-${#}}' });
  });

  it('splits INJECT ARGS into arguments after substitution, quotes grouping', () => {
    expect(splitArguments(`-a 1 --name 'my box' "x y"`)).toEqual(['-a', '1', '--name', 'my box', 'x y']);
    expect(splitArguments(`'open`)).toMatchObject({ ok: false, error: { kind: 'singleQuote' } });
  });
});

describe('reports variables a word uses but nobody defined', () => {
  it.each([
    ['$UNSET ${ALSO}', ['UNSET', 'ALSO']],
    ['${UNSET:-x} ${UNSET-x} ${UNSET:+x}', []],
    ['$1 ${@}', ['1', '@']],
    ['$HOME', []],
  ])('%s', (word, names) => {
    const result = processWord(word, '\\', scope);
    expect(result.ok ? (result.undefinedNames ?? []) : 'error').toEqual(names);
  });
});
