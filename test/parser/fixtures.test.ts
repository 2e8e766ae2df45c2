/**
 * Golden directories: `test/fixtures/parser/<case>/` holds a Cubefile or cube.yaml (and
 * optionally build-args.json); `spec.json` is the expected BuildSpec with its spans as
 * line:col. `errors/<case>/expected.txt` is the rendered diagnostics. Update with `vitest -u`
 * and review the diff.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCodes } from '../../src/core/diagnostics/codes-parse.js';
import { lineColumnOf, renderDiagnostics } from '../../src/core/diagnostics/index.js';
import { parseCubefile, parseCubeYaml } from '../../src/parser/index.js';
import type { ParseResult } from '../../src/parser/index.js';

const root = join(import.meta.dirname, '..', 'fixtures', 'parser');

function load(dir: string): { file: string; text: string; result: ParseResult } {
  const file = existsSync(join(dir, 'Cubefile')) ? 'Cubefile' : 'cube.yaml';
  const text = readFileSync(join(dir, file), 'utf8');
  const argsPath = join(dir, 'build-args.json');
  const buildArgs = existsSync(argsPath) ? new Map(Object.entries(JSON.parse(readFileSync(argsPath, 'utf8')) as Record<string, string>)) : new Map<string, string>();
  const options = { path: file, buildArgs };
  return { file, text, result: file === 'Cubefile' ? parseCubefile(text, options) : parseCubeYaml(text, options) };
}

const cases = readdirSync(root).filter((c) => c !== 'errors');
const errorCases = readdirSync(join(root, 'errors'));

describe('parser golden cases', () => {
  it.each(cases)('%s', async (name) => {
    const { text, result } = load(join(root, name));
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const at = (offset: number): string => {
      const lc = lineColumnOf(text, offset);
      return `${lc.line}:${lc.column}`;
    };
    const spans = Object.fromEntries([...result.spans].sort(([a], [b]) => a.localeCompare(b)).map(([k, s]) => [k, `${at(s.start)}-${at(s.end)}`]));
    await expect(JSON.stringify({ spec: result.spec, spans }, null, 2) + '\n').toMatchFileSnapshot(join(root, name, 'spec.json'));
  });
});

describe('parser error cases', () => {
  it.each(errorCases)('%s', async (name) => {
    const { file, text, result } = load(join(root, 'errors', name));
    expect(result.diagnostics.length).toBeGreaterThan(0);
    const rendered = renderDiagnostics(result.diagnostics, new Map([[file, text]]), { color: false });
    await expect(rendered).toMatchFileSnapshot(join(root, 'errors', name, 'expected.txt'));
  });

  it('has a case for every parse code', () => {
    const seen = new Set(errorCases.flatMap((name) => readFileSync(join(root, 'errors', name, 'expected.txt'), 'utf8').match(/CUBE\d{4}/g) ?? []));
    const missing = Object.values(parseCodes).map((e) => e.code).filter((code) => !seen.has(code));
    expect(missing).toEqual([]);
  });
});
