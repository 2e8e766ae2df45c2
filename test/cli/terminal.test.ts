import { describe, expect, it } from 'vitest';
import { colorEnabled, progressMode, runsInCi } from '../../src/cli/terminal.js';
import type { ProgressOption } from '../../src/cli/terminal.js';
import { runCli } from '../helpers/run-cli.js';

type Env = Record<string, string>;

describe('colour', () => {
  it.each<[string, Env, boolean, boolean]>([
    ['a TTY', {}, true, true],
    ['a pipe', {}, false, false],
    ['NO_COLOR on a TTY', { NO_COLOR: '1' }, true, false],
    ['an empty NO_COLOR', { NO_COLOR: '' }, true, true],
    ['TERM=dumb on a TTY', { TERM: 'dumb' }, true, false],
    ['FORCE_COLOR on a pipe', { FORCE_COLOR: '1' }, false, true],
    ['FORCE_COLOR over NO_COLOR', { FORCE_COLOR: '1', NO_COLOR: '1' }, false, true],
    ['FORCE_COLOR=0 on a TTY', { FORCE_COLOR: '0' }, true, false],
    ['FORCE_COLOR=false on a TTY', { FORCE_COLOR: 'false' }, true, false],
    ['CI on a TTY (colour stays)', { CI: 'true' }, true, true],
  ])('%s', (_name, env, interactive, expected) => {
    expect(colorEnabled({ env, interactive })).toBe(expected);
  });
});

describe('progress mode', () => {
  it.each<[string, ProgressOption, Env, boolean, string]>([
    ['auto on a TTY', 'auto', {}, true, 'tty'],
    ['auto on a pipe', 'auto', {}, false, 'plain'],
    ['auto in CI on a TTY', 'auto', { CI: 'true' }, true, 'plain'],
    ['auto with CI=false on a TTY', 'auto', { CI: 'false' }, true, 'tty'],
    ['auto with TERM=dumb on a TTY', 'auto', { TERM: 'dumb' }, true, 'plain'],
    ['auto with NO_COLOR on a TTY (bars have no colour)', 'auto', { NO_COLOR: '1' }, true, 'tty'],
    ['tty asked for on a pipe', 'tty', {}, false, 'tty'],
    ['plain asked for on a TTY', 'plain', {}, true, 'plain'],
  ])('%s', (_name, option, env, interactive, expected) => {
    expect(progressMode(option, 'human', { env, interactive })).toBe(expected);
  });

  it('gives JSON logs JSON progress, and refuses bars or lines among them', () => {
    expect(progressMode('auto', 'json', { env: {}, interactive: true })).toBe('json');
    expect(progressMode('json', 'json', { env: {}, interactive: false })).toBe('json');
    expect(progressMode('tty', 'json', { env: {}, interactive: true })).toBe('conflict');
    expect(progressMode('plain', 'json', { env: {}, interactive: false })).toBe('conflict');
  });

  it('reads CI as set unless empty, 0 or false', () => {
    expect([undefined, '', '0', 'false', 'FALSE', 'true', '1', 'woodpecker'].map((CI) => runsInCi(CI === undefined ? {} : { CI }))).toEqual([
      false, false, false, false, false, true, true, true,
    ]);
  });
});

describe('the command follows the conventions', () => {
  const ESC = '\x1b[';
  // A Cubefile with an error: the diagnostic is printed in colour or not.
  const bad = ['check', '-f', '/nonexistent/Cubefile'];

  it.each<[string, Env, boolean, boolean]>([
    ['colour on a TTY', {}, true, true],
    ['none with NO_COLOR', { NO_COLOR: '1' }, true, false],
    ['none with TERM=dumb', { TERM: 'dumb' }, true, false],
    ['none on a pipe', {}, false, false],
    ['colour with FORCE_COLOR on a pipe', { FORCE_COLOR: '1' }, false, true],
  ])('diagnostics: %s', async (_name, env, interactive, coloured) => {
    const run = await runCli(bad, { env, interactive });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('CUBE000');
    expect(run.stderr.includes(ESC)).toBe(coloured);
  });

  it('refuses an unknown --progress and a --progress that would break JSON logs', async () => {
    const unknown = await runCli(['build', '--progress', 'fancy']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--progress must be auto, tty, plain or json, got "fancy"');
    expect(unknown.stderr).toContain('hint:');
    const mixed = await runCli(['build', '--progress', 'tty', '--log-format', 'json']);
    expect(mixed.code).toBe(2);
    expect(JSON.parse(mixed.stderr.trim())).toMatchObject({ level: 'error', event: 'diagnostic', code: 'CUBE0001' });
  });
});
