/**
 * Golden directories: `test/fixtures/check/<case>/` is a build context holding a Cubefile or
 * cube.yaml (and whatever its COPY lines name); `expected.txt` is what `cube check` prints for it
 * (the image checks do not run: the images named are not in the throwaway cache). Every check
 * rule has a case named after it. Update with `vitest -u` and review the diff.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkRules } from '../../src/core/diagnostics/index.js';
import { checkDir } from '../helpers/check-dir.js';
import { exampleEnvd } from '../helpers/example-images.js';

const root = join(import.meta.dirname, '..', 'fixtures', 'check');
const cases = readdirSync(root);

describe('check golden cases', () => {
  it.each(cases)('%s', async (name) => {
    const dir = join(root, name);
    // An envd for the cases that inject one; naming one for a file that does not is an error (CUBE2020).
    const file = readdirSync(dir).find((f) => f === 'Cubefile' || f === 'cube.yaml') as string;
    const injects = /^\s*(INJECT\b|inject:)/im.test(readFileSync(join(dir, file), 'utf8'));
    const report = await checkDir(dir, { env: injects ? { CUBE_ENVD_PATH: exampleEnvd } : {} });
    // Messages about the context name its absolute path, which differs between checkouts.
    await expect(report.text.replaceAll(dir, '<context>')).toMatchFileSnapshot(join(dir, 'expected.txt'));
  });

  it('has a case named after every check rule, showing its code', () => {
    const missing = checkRules()
      .filter((rule) => !cases.includes(rule.rule as string) || !readFileSync(join(root, rule.rule as string, 'expected.txt'), 'utf8').includes(rule.code))
      .map((rule) => rule.rule);
    expect(missing).toEqual([]);
  });
});
