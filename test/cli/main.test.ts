import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { CUBE_VERSION } from '../../src/core/version.js';

describe('cube', () => {
  it('prints its version', async () => {
    expect(await runCli(['--version'])).toEqual({ code: 0, stdout: `cube ${CUBE_VERSION}\n`, stderr: '' });
  });

  it('prints help and documents exit codes', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Usage: cube <command>');
    expect(run.stdout).toContain('Exit codes:');
  });

  it('rejects an unknown command with a usage exit code and no stack trace', async () => {
    const run = await runCli(['frobnicate']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^cube: error CUBE0001: unknown command "frobnicate"/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.stderr).toContain('hint: run `cube --help` for the list');
  });

  it.each([
    ['biuld', 'build'],
    ['chek', 'check'],
    ['conver', 'convert'],
  ])('suggests the nearest command for %s, through the catalog and the renderer', async (typo, near) => {
    const run = await runCli([typo]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`cube: error CUBE0001: unknown command "${typo}"\n  hint: did you mean "cube ${near}"? run \`cube --help\` for the list\n`);
  });

  it('reports an unknown command as a JSON record with --log-format json', async () => {
    const run = await runCli(['biuld', '--log-format', 'json']);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stderr.trim().split('\n')[0] as string)).toMatchObject({ event: 'diagnostic', code: 'CUBE0001', hint: 'did you mean "cube build"? run `cube --help` for the list' });
  });
});
