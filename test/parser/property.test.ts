/**
 * Random and mutated Cubefiles: the parser never throws and always returns a spec or at least
 * one error. (How its time grows with the input is measured in bench/parse.js, not asserted.)
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lineColumnOf } from '../../src/core/diagnostics/index.js';
import { convertBuildFile, parseCubefile, parseCubeYaml } from '../../src/parser/index.js';
import { repoRoot } from '../helpers/example-images.js';

const seeds = ['python-web', 'node-app', 'byo-envd'].map((e) => readFileSync(join(repoRoot, 'examples', e, 'Cubefile'), 'utf8'));
const pieces = ['FROM ', 'INJECT envd ', 'COPY ', 'ENV ', 'ARG ', 'CMD ', 'ENTRYPOINT ', 'SEAL ext4 ', '\\\n', '# c\n', '"', "'", '${', '}', ':-', '[', ']', '=', ' ', '\n', 'x', '/a', '--chown=', '\t', '`', '$', ':?', '\r\n', '\u00e9', '\0'];

function holds(text: string): void {
  const result = parseCubefile(text, { path: 'Cubefile' });
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  expect(result.spec !== undefined || errors.length > 0).toBe(true);
  expect(result.spec !== undefined && errors.length > 0).toBe(false);
  for (const d of result.diagnostics) {
    if (!d.span) continue;
    expect(d.span.start).toBeGreaterThanOrEqual(0);
    expect(d.span.end).toBeLessThanOrEqual(text.length);
    expect(d.span.start).toBeLessThanOrEqual(d.span.end);
  }
}

describe('parser properties', () => {
  it('never throws on random token soup', () => {
    fc.assert(fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 60 }), (parts) => holds(parts.join(''))), { numRuns: 400 });
  });

  it('never throws on mutated examples', () => {
    const mutation = fc.record({ seed: fc.nat(seeds.length - 1), at: fc.nat(), cut: fc.nat(8), insert: fc.string({ maxLength: 6 }) });
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 5 }), (mutations) => {
        let text = seeds[(mutations[0] as { seed: number }).seed] as string;
        for (const m of mutations) {
          const at = m.at % (text.length + 1);
          text = text.slice(0, at) + m.insert + text.slice(at + m.cut);
        }
        holds(text);
      }),
      { numRuns: 400 },
    );
  });

  it('never throws on random YAML', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const result = parseCubeYaml(JSON.stringify({ from: 'alpine', cmd: value }), { path: 'cube.yaml' });
        expect(result.spec !== undefined || result.diagnostics.length > 0).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('never throws on mutated cube.yaml examples, and keeps every span inside the text', () => {
    const yamlSeeds = ['python-web', 'node-app', 'byo-envd'].map((e) => readFileSync(join(repoRoot, 'examples', e, 'cube.yaml'), 'utf8'));
    const insert = fc.constantFrom(':', '- ', '  ', '\n', '{', '}', '[', ']', '"', "'", '&a', '*a', '!!str', '#', '|', '>', 'x', '0', 'null', '~', '\t', '${', '<<: *a', '---\n');
    fc.assert(
      fc.property(fc.constantFrom(...yamlSeeds), fc.array(fc.record({ at: fc.nat(), text: insert }), { minLength: 1, maxLength: 6 }), (seed, edits) => {
        let text = seed;
        for (const e of edits) {
          const at = e.at % (text.length + 1);
          text = text.slice(0, at) + e.text + text.slice(at);
        }
        const result = parseCubeYaml(text, { path: 'cube.yaml' });
        expect(result.spec !== undefined || result.diagnostics.some((d) => d.severity === 'error')).toBe(true);
        for (const d of result.diagnostics) if (d.span) expect(d.span.end).toBeLessThanOrEqual(text.length);
      }),
      { numRuns: 1500 },
    );
  });

  it('reports an alias used before its anchor at the alias', () => {
    const text = 'from: alpine\ncmd: [*a]\nenv: &a {A: b}\n';
    const result = parseCubeYaml(text, { path: 'cube.yaml' });
    expect(result.diagnostics.map((d) => [d.code, d.span ? text.slice(d.span.start, d.span.end) : undefined])).toEqual([['CUBE1101', '*a']]);
  });

  it('converts a Cubefile to cube.yaml that builds the same thing, or refuses with CUBE0006', () => {
    const lines = fc.constantFrom('ENV A="x y"', 'LABEL a=b c="d e"', 'EXPOSE 80/udp 81', 'ARG X=1', 'WORKDIR /w', 'USER 1:2', 'CMD echo "$HOME"', 'ENV B=${X:-d}', 'CMD ["a","b c"]', 'ENTRYPOINT ["e"]', 'SEAL ext4 SIZE 64MiB journal', 'ENV P=a\\ b', 'ARG Y', 'LABEL l=${Y:+set}');
    const outcomes = { same: 0 };
    fc.assert(
      fc.property(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), lines), { maxLength: 4 }), (seed, edits) => {
        const text = seed.split('\n');
        const from = text.findIndex((l) => l.startsWith('FROM '));
        for (const [at, line] of edits) text.splice(from + 1 + (at % (text.length - from)), 0, line);
        const source = text.join('\n');
        const parsed = parseCubefile(source, { path: 'Cubefile' });
        if (!parsed.spec) return;
        const converted = convertBuildFile({ ...parsed, path: '/p/Cubefile', displayPath: 'Cubefile', format: 'cubefile', text: source });
        if ('diagnostic' in converted) {
          expect(converted.diagnostic.code).toBe('CUBE0006');
          return;
        }
        expect(parseCubeYaml(converted.text, { path: 'cube.yaml' }).spec).toEqual(parsed.spec);
        outcomes.same++;
      }),
      { numRuns: 400 },
    );
    expect(outcomes.same).toBeGreaterThan(0);
  });

  it('refuses to convert an ENV that uses an ARG declared after it, pointing at the ENV', () => {
    const source = 'FROM alpine\nENV B=${X:-d}\nARG X=1\nCMD ["a"]\n';
    const parsed = parseCubefile(source, { path: 'Cubefile' });
    const converted = convertBuildFile({ ...parsed, path: '/p/Cubefile', displayPath: 'Cubefile', format: 'cubefile', text: source });
    expect('diagnostic' in converted && [converted.diagnostic.code, converted.diagnostic.message, converted.diagnostic.span && source.slice(converted.diagnostic.span.start, converted.diagnostic.span.end)]).toEqual([
      'CUBE0006',
      'as cube.yaml this would build something else: /launch/env/0/value would be "1" instead of "d"',
      'ENV B=${X:-d}',
    ]);
  });

  it('bounds what substitutions can grow a word to, instead of running out of memory', () => {
    const doubling = 'FROM alpine\nENV A=x\n' + 'ENV A=$A$A\n'.repeat(40);
    const result = parseCubefile(doubling, { path: 'Cubefile' });
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    // Lines 3 to 19 double A up to 128 KiB; every later line would pass the bound, and is refused.
    expect(errors.map((d) => d.code)).toEqual(Array(23).fill('CUBE1013'));
    expect(errors[0]?.message).toBe('substitutions make this word longer than 128 KiB, the most one argument or variable can hold');
    expect(lineColumnOf(doubling, errors[0]?.span?.start ?? 0).line).toBe(20);
  });

  it('refuses an instruction of many megabytes instead of overflowing the lexer\'s stack', () => {
    const result = parseCubefile(`FROM alpine\nENV A=${'x'.repeat(10_000_000)}\nCMD ["sh"]\n`, { path: 'Cubefile' });
    expect(result.diagnostics.map((d) => [d.code, d.message])).toEqual([['CUBE1003', 'ENV is 10000006 characters long; cube reads instructions of at most 1 MiB']]);
  });

  it('reports deeply nested substitutions instead of overflowing the stack', () => {
    const deep = 'FROM alpine\nENV A=' + '${X:-'.repeat(20_000) + 'x' + '}'.repeat(20_000) + '\n';
    const result = parseCubefile(deep, { path: 'Cubefile' });
    expect(result.diagnostics.map((d) => d.code)).toContain('CUBE1013');
  });
});
