/**
 * Edges of the check rules, as tables through one helper: which names look like secrets, which
 * size units are clear, which forms the Cubefile-only rules see, and that a cube.yaml twin gets
 * the same findings as its Cubefile wherever the rule applies to both.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lintBuildFile, looksSecret } from '../../src/lint/index.js';
import { parseCubefile, parseCubefileSyntax, parseCubeYaml, printYaml } from '../../src/parser/index.js';
import type { ParseResult } from '../../src/parser/index.js';

/** The codes the rules find in a parse of `text`. */
const lint = (text: string, parse: (t: string) => ParseResult = (t) => parseCubefile(t, { path: 'Cubefile' })): string[] => {
  const parsed = parse(text);
  return lintBuildFile({ document: parsed.document, text, spans: parsed.spans, ...(parsed.spec ? { spec: parsed.spec } : {}) }).map((d) => d.code);
};

describe('SecretsUsedInArgOrEnv', () => {
  it.each([
    ['AWS_SECRET_ACCESS_KEY', true],
    ['API_TOKEN', true],
    ['apiKey', true],
    ['DB_PASSWORD', true],
    ['githubToken', true],
    ['PRIVATE_KEY', true],
    ['DB_PASSWORD_FILE', false],
    ['AWS_ACCESS_KEY_ID', false],
    ['TOKEN_URL', false],
    ['CACHE_KEY', false],
    ['KEYBOARD_LAYOUT', false],
    ['PUBLIC_KEY', false],
    ['PORT', false],
  ])('%s looks like a secret: %s', (name, secret) => {
    expect(looksSecret(name)).toBe(secret);
  });
});

describe('AmbiguousSizeUnit', () => {
  it.each([
    ['64MiB', []],
    ['64MB', []],
    ['64kB', []],
    ['1GiB', []],
    ['4096B', []],
    ['64mb', ['CUBE1210']],
    ['64m', ['CUBE1210']],
    ['64M', ['CUBE1210']],
    ['2g', ['CUBE1210']],
    ['64mib', ['CUBE1210']],
    ['${SIZE}', []],
  ])('SEAL ext4 FREE %s → %j', (size, codes) => {
    expect(lint(`ARG SIZE=1GiB\nFROM python:3.12\nARG SIZE\nSEAL ext4 FREE ${size}\n`)).toEqual(codes);
  });
});

describe('rules on the Cubefile form', () => {
  it.each([
    ['ENV A=1 B=2', []],
    ['ENV A 1', ['CUBE1207']],
    ['LABEL a="b c"', []],
    ['LABEL a b c', ['CUBE1207']],
  ])('%s → %j', (line, codes) => {
    expect(lint(`FROM python:3.12\n${line}\n`)).toEqual(codes);
  });

  it.each([
    ['FROM python:3.12\nCMD ["a"]\n', []],
    ['from python:3.12\ncmd ["a"]\n', []],
    ['FROM python:3.12\ncmd ["a"]\n', ['CUBE1208']],
    ['from python:3.12\ncmd ["a"]\nCMD ["b"]\n', ['CUBE1208']],
    ['From python:3.12\n', ['CUBE1208']],
  ])('keyword casing of %j', (text, codes) => {
    expect(lint(text)).toEqual(codes);
  });

  it.each([
    ['CMD ["python3"]', []],
    ['CMD python3', ['CUBE1202']],
    ['CMD [python3]', ['CUBE1201']],
    ['ENTRYPOINT [ "python3", x ]', ['CUBE1201']],
    ['ENTRYPOINT wrap', []],
  ])('%s → %j', (line, codes) => {
    expect(lint(`FROM python:3.12\nINJECT envd\n${line}\n`)).toEqual(codes);
  });

  it.each([
    ['FROM python', ['CUBE1205']],
    ['FROM python:latest', ['CUBE1206']],
    ['FROM python:latest@sha256:' + 'a'.repeat(64), []],
    ['FROM localhost:5000/app', ['CUBE1205']],
    ['FROM localhost:5000/app:1', []],
    ['FROM oci-layout:./images', []],
    ['ARG V=latest\nFROM python:${V}', ['CUBE1206']],
  ])('%s → %j', (text, codes) => {
    expect(lint(`${text}\n`)).toEqual(codes);
  });

  it.each([
    ['INJECT envd PORT 8080\nEXPOSE 8080', ['CUBE1203']],
    ['INJECT envd PORT 8080\nEXPOSE 49983', []],
    ['EXPOSE 49980-49990', ['CUBE1203']],
    ['ENV HTTP_PORT=49983', ['CUBE1203']],
    ['ENV TIMEOUT=49983', []],
    ['CMD ["serve", "--port=49983"]', ['CUBE1203']],
    ['CMD ["serve", "--port=149983"]', []],
    ['INJECT envd ARGS "--port 49983"', []],
  ])('envd port: %s → %j', (lines, codes) => {
    expect(lint(`FROM python:3.12\n${lines}\n`)).toEqual(codes);
  });
});

describe('a cube.yaml twin', () => {
  const root = join(import.meta.dirname, '..', 'fixtures', 'check');
  /** Rules about how a Cubefile is written, which cube.yaml has no way to write. */
  const CUBEFILE_ONLY = new Set(['CUBE1207', 'CUBE1208', 'CUBE1015']);
  const cases = readdirSync(root).filter((name) => existsSync(join(root, name, 'Cubefile')));

  it.each(cases)('of %s gets the same findings where the rule applies to both', (name) => {
    const text = readFileSync(join(root, name, 'Cubefile'), 'utf8');
    const yaml = printYaml(parseCubefileSyntax(text, 'Cubefile').document);
    const twin = lint(yaml, (t) => parseCubeYaml(t, { path: 'cube.yaml' }));
    expect([...new Set(twin)].sort()).toEqual([...new Set(lint(text).filter((c) => !CUBEFILE_ONLY.has(c)))].sort());
  });
});
