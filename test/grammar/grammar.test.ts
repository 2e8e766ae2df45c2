/**
 * The language's files in `grammar/` are generated; these tests fail when one is out of date
 * (launch.schema.json is checked beside the manifest schema). Regenerate
 * with `npm run grammar` (vitest -u on this file) and review the diff.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { syntaxDiagramsHtml, textMateGrammar } from '../../src/parser/artifacts.js';
import { cubeYamlJsonSchema } from '../../src/parser/index.js';

const grammar = join(import.meta.dirname, '..', '..', 'grammar');

describe('grammar/ is up to date', () => {
  it('cube.schema.json is the JSON Schema of cube.yaml', async () => {
    await expect(cubeYamlJsonSchema()).toMatchFileSnapshot(join(grammar, 'cube.schema.json'));
  });

  it('cubefile.diagrams.html draws the Cubefile grammar', async () => {
    const html = syntaxDiagramsHtml();
    for (const rule of ['injectInstruction', 'sealInstruction', 'copyInstruction']) expect(html).toContain(rule);
    await expect(html).toMatchFileSnapshot(join(grammar, 'cubefile.diagrams.html'));
  });

  it('cubefile.tmLanguage.json highlights every instruction', async () => {
    const text = textMateGrammar();
    const pattern = new RegExp((JSON.parse(text).patterns[3].match as string).replace('(?i:', '(?:'), 'i');
    for (const line of ['FROM x', 'inject envd', 'Seal ext4', 'ENTRYPOINT ["a"]']) expect(pattern.test(line)).toBe(true);
    expect(pattern.test('FORM x')).toBe(false);
    await expect(text).toMatchFileSnapshot(join(grammar, 'cubefile.tmLanguage.json'));
  });
});
