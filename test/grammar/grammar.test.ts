/**
 * The language's files in `grammar/` are generated; these tests fail when one is out of date
 * (launch.schema.json is checked beside the manifest schema), or when docs/diagnostics.md or
 * docs/checks.md misses a code. Regenerate with `npm run grammar` (vitest -u on this file) and
 * review the diff.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { syntaxDiagramsHtml, textMateGrammar } from '../../src/parser/artifacts.js';
import { allCatalogEntries, checkRules } from '../../src/core/diagnostics/catalog.js';
import { cubeYamlJsonSchema } from '../../src/parser/index.js';
import { planJsonSchema } from '../../src/planner/index.js';

const grammar = join(import.meta.dirname, '..', '..', 'grammar');

describe('grammar/ is up to date', () => {
  it('cube.schema.json is the JSON Schema of cube.yaml', async () => {
    await expect(cubeYamlJsonSchema()).toMatchFileSnapshot(join(grammar, 'cube.schema.json'));
  });

  it('plan.schema.json is the JSON Schema of plan.json', async () => {
    await expect(planJsonSchema()).toMatchFileSnapshot(join(grammar, 'plan.schema.json'));
  });

  it('docs/diagnostics.md lists every diagnostic code', async () => {
    const cell = (text: string): string => text.replace(/\|/g, '\\|');
    const rows = allCatalogEntries().map((e) => `| ${e.code} | ${e.severity} | ${e.rule ?? ''} | ${cell(e.summary)} | ${cell(e.hint ?? '')} |`);
    const codes = rows.map((r) => r.slice(2, 10));
    expect(new Set(codes).size).toBe(codes.length);
    const intro = 'Generated from the code catalog (`src/core/diagnostics/`); codes are stable and never reused. Codes with a check name are the checks of [checks.md](checks.md): warnings unless `--strict` or `# check=error=true`, and skipped with `--skip NAME` or `# check=skip=NAME`.';
    const text = ['# Diagnostic codes', '', intro, '', '| code | severity | check | meaning | default hint |', '|---|---|---|---|---|', ...rows, ''].join('\n');
    await expect(text).toMatchFileSnapshot(join(grammar, '..', 'docs', 'diagnostics.md'));
  });

  it('docs/checks.md documents every check rule, with a bad and a good example', async () => {
    const text = await readFile(join(grammar, '..', 'docs', 'checks.md'), 'utf8');
    const sections = text.split(/^### /m).slice(1);
    const undocumented = checkRules().filter((rule) => {
      const section = sections.find((s) => s.includes(`${rule.rule} (${rule.code})`));
      return !section || !/# bad/.test(section) || !/# (good|better)/.test(section);
    });
    expect(undocumented.map((r) => r.rule)).toEqual([]);
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
