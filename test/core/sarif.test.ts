/**
 * `--format sarif` against the published SARIF 2.1.0 JSON Schema (OASIS, errata 01), kept in
 * test/fixtures/sarif so the test runs offline.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AjvDraft04 from 'ajv-draft-04';
import { describe, expect, it } from 'vitest';
import { diagnosticsToSarif, lintCodes, planCodes } from '../../src/core/diagnostics/index.js';
import { diagnosticOf } from '../helpers/diagnostics.js';
import { checkDir } from '../helpers/check-dir.js';
import { runCli } from '../helpers/run-cli.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures');
const schema = JSON.parse(readFileSync(join(fixtures, 'sarif', 'sarif-schema-2.1.0.json'), 'utf8')) as object;
// The schema's `format`s (uri, date-time) are not checked: ajv would need a plug-in for them.
const validate = new AjvDraft04.default({ strict: false, logger: false }).compile(schema);

/** The schema's complaints about a log, as short strings (empty when it is valid). */
const problems = (log: unknown): string[] => (validate(log) ? [] : (validate.errors ?? []).map((e: { instancePath: string; message?: string }) => `${e.instancePath} ${e.message ?? ''}`));

describe('SARIF output', () => {
  it('is a valid SARIF 2.1.0 log for a file with warnings, errors, notes and a finding without a place', async () => {
    const report = await checkDir(join(fixtures, 'check', 'yaml-twin'));
    const text = 'FROM x\n';
    const sources = new Map([...report.sources, ['Other', text]]);
    const extra = [
      diagnosticOf(planCodes.envdNotFound, 'envd binary missing'),
      diagnosticOf(lintCodes.imageNoTag, 'no tag', { span: { file: 'Other', start: 5, end: 6 }, notes: [{ message: 'see here', span: { file: 'Other', start: 0, end: 4 } }, { message: 'no place' }] }),
    ];
    const log = diagnosticsToSarif([...report.diagnostics, ...extra], sources, { toolVersion: '0.1.0', file: 'cube.yaml' });
    expect(problems(log)).toEqual([]);
    const run = (log as { runs: { tool: { driver: { rules: { id: string; name?: string }[] } }; results: Record<string, unknown>[] }[] }).runs[0];
    expect(run?.tool.driver.rules.find((r) => r.id === 'CUBE1201')?.name).toBe('MalformedJSONArgs');
    expect(run?.results.find((r) => r.ruleId === 'CUBE1201')).toMatchObject({
      level: 'warning',
      locations: [{ physicalLocation: { artifactLocation: { uri: 'cube.yaml' }, region: { startLine: 8, startColumn: 6, endLine: 8, endColumn: 28 } } }],
    });
    expect(run?.results.find((r) => r.ruleId === 'CUBE2001')).toMatchObject({ level: 'error', locations: [{ physicalLocation: { artifactLocation: { uri: 'cube.yaml' } } }] });
    expect(run?.results.at(-1)).toMatchObject({ message: { text: expect.stringContaining('note: no place') }, relatedLocations: [{ message: { text: 'see here' } }] });
  });

  it('is checked by the schema: a log with a level SARIF does not have fails', () => {
    const log = diagnosticsToSarif([diagnosticOf(lintCodes.imageNoTag, 'no tag')], new Map(), { toolVersion: '0.1.0', file: 'Cubefile' }) as { runs: { results: { level: string }[] }[] };
    (log.runs[0]?.results[0] as { level: string }).level = 'severe';
    expect(problems(log)).not.toEqual([]);
  });

  it('is what cube check --format sarif prints, for an absolute build file path too', async () => {
    const file = join(fixtures, 'check', 'BaseImageNoTag', 'Cubefile');
    // A working directory that is surely not above the checkout, so the path stays absolute.
    const run = await runCli(['check', '-f', file, '--format', 'sarif'], { cwd: await mkdtemp(join(tmpdir(), 'cube-sarif-')) });
    expect(run.code).toBe(0);
    const log = JSON.parse(run.stdout) as { runs: { results: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[] };
    expect(problems(log)).toEqual([]);
    expect(log.runs[0]?.results[0]?.locations[0]?.physicalLocation.artifactLocation.uri).toBe(`file://${file}`);
  });
});
