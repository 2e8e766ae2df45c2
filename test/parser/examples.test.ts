import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCubefile, parseCubeYaml, parseCubefileSyntax, parseYamlSyntax, printCubefile, printYaml } from '../../src/parser/index.js';
import { repoRoot } from '../helpers/example-images.js';

const EXAMPLES = ['python-web', 'node-app', 'byo-envd'];

describe.each(EXAMPLES)('examples/%s', (example) => {
  const dir = join(repoRoot, 'examples', example);

  it('parses without diagnostics, and its cube.yaml twin gives a deep-equal BuildSpec', async () => {
    const cubefile = parseCubefile(await readFile(join(dir, 'Cubefile'), 'utf8'), { path: 'Cubefile' });
    const yaml = parseCubeYaml(await readFile(join(dir, 'cube.yaml'), 'utf8'), { path: 'cube.yaml' });
    expect(cubefile.diagnostics).toEqual([]);
    expect(yaml.diagnostics).toEqual([]);
    expect(cubefile.spec).toBeDefined();
    expect(yaml.spec).toEqual(cubefile.spec);
  });

  it('converts to YAML and back to the same spec, and converting again is stable', async () => {
    const text = await readFile(join(dir, 'Cubefile'), 'utf8');
    const spec = parseCubefile(text, { path: 'Cubefile' }).spec;
    const yaml = printYaml(parseCubefileSyntax(text, 'Cubefile').document);
    expect(parseCubeYaml(yaml, { path: 'cube.yaml' }).spec).toEqual(spec);
    const back = printCubefile(parseYamlSyntax(yaml, 'cube.yaml').document);
    expect(parseCubefile(back, { path: 'Cubefile' }).spec).toEqual(spec);
    expect(printYaml(parseCubefileSyntax(back, 'Cubefile').document)).toBe(yaml);
    expect(printCubefile(parseYamlSyntax(printYaml(parseCubefileSyntax(back, 'Cubefile').document), 'cube.yaml').document)).toBe(back);
  });
});
