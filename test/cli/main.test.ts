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
  });
});
