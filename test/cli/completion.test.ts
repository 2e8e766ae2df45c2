/**
 * Shell completion, for real: bash sources the script `cube completion bash` prints and its
 * completion function is called as bash calls it (COMP_WORDS, COMP_CWORD); zsh checks its script's
 * syntax and registers it with compinit. What completes is compared with the commands' own option
 * tables, so the test fails if the two ever disagree.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../../src/cli/commands/index.js';
import { COMMAND_SUMMARIES } from '../../src/cli/help.js';
import { runCli } from '../helpers/run-cli.js';

let dir: string;
let bashScript: string;
let zshScript: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cube-completion-'));
  for (const [shell, file] of [['bash', 'cube.bash'], ['zsh', '_cube']] as const) {
    const run = await runCli(['completion', shell]);
    expect(run.code, run.stderr).toBe(0);
    await writeFile(join(dir, file), run.stdout);
  }
  bashScript = join(dir, 'cube.bash');
  zshScript = join(dir, '_cube');
  await mkdir(join(dir, 'project', 'out'), { recursive: true });
  await writeFile(join(dir, 'project', 'Cubefile'), 'FROM alpine\n');
  await writeFile(join(dir, 'project', 'cube.yaml'), 'from: alpine\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** What bash offers for the command line `words` (the last one being completed), in `project/`. */
async function complete(...words: string[]): Promise<string[]> {
  const script = `source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _cube; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const run = await execa('bash', ['--norc', '--noprofile', '-c', script, 'bash', bashScript, ...words], { cwd: join(dir, 'project'), env: { HOME: dir }, extendEnv: false });
  return run.stdout.split('\n').filter((line) => line !== '').sort();
}

async function options(name: string): Promise<string[]> {
  const command = await (commands.find((c) => c.name === name) as (typeof commands)[number]).load();
  return [...Object.keys(command.options).map((o) => `--${o}`), '--help'].sort();
}

describe('bash completion', () => {
  it('completes commands and the top-level options', async () => {
    expect(await complete('cube', '')).toEqual([...COMMAND_SUMMARIES.map((c) => c.name), '--help', '--version', '-V', '-h'].sort());
    expect(await complete('cube', 'bu')).toEqual(['build']);
    expect(await complete('cube', 'c')).toEqual(['cache', 'check', 'completion', 'convert']);
  });

  it.each(COMMAND_SUMMARIES.map((c) => c.name))('offers every option of cube %s, as its parser takes them', async (name) => {
    expect((await complete('cube', name, '--')).filter((w) => w.startsWith('--'))).toEqual(await options(name));
  });

  it('completes the options of build, and their values where the set is fixed', async () => {
    expect(await complete('cube', 'build', '--me')).toEqual(['--metadata-file']);
    expect(await complete('cube', 'build', '-')).toEqual(expect.arrayContaining(['-f', '-o', '-q', '-h', '--file', '--out', '--quiet']));
    expect(await complete('cube', 'build', '--log-format', '')).toEqual(['human', 'json']);
    expect(await complete('cube', 'build', '--progress', 'p')).toEqual(['plain']);
    expect(await complete('cube', 'build', '--skip', 'JSONA')).toEqual(['JSONArgsRecommended']);
    expect(await complete('cube', 'check', '--format', '')).toEqual(['human', 'json', 'sarif']);
    expect(await complete('cube', 'inspect', '--format', '')).toEqual(['human', 'json']);
  });

  it('completes file names for options that take a path and for operands, and fixed words where there are some', async () => {
    expect(await complete('cube', 'build', '-f', 'Cu')).toEqual(['Cubefile']);
    expect(await complete('cube', 'build', '--locked', 'cu')).toEqual(['cube.yaml']);
    expect(await complete('cube', 'inspect', 'o')).toEqual(['out']);
    expect(await complete('cube', 'cache', '')).toEqual(['du', 'ls', 'prune']);
    expect(await complete('cube', 'completion', 'z')).toEqual(['zsh']);
  });
});

describe('zsh completion', () => {
  it('is valid zsh, and registers for cube with compinit', async () => {
    const syntax = await execa('zsh', ['-n', zshScript], { reject: false });
    expect(syntax.exitCode, syntax.stderr).toBe(0);
    const env = { HOME: dir, ZDOTDIR: dir };
    const sourced = await execa('zsh', ['-f', '-c', `autoload -Uz compinit && compinit -u -D && source ${zshScript} && print -r -- $_comps[cube]`], { env, extendEnv: false });
    expect(sourced.stdout).toBe('_cube');
    // As a file on $fpath: compinit finds it by its #compdef line.
    const onPath = await execa('zsh', ['-f', '-c', `fpath=(${dir} $fpath) && autoload -Uz compinit && compinit -u -D && print -r -- $_comps[cube]`], { env, extendEnv: false });
    expect(onPath.stdout).toBe('_cube');
  });

  it('completes commands, options and their values in an interactive zsh', async () => {
    // zsh drives a second, interactive zsh through a pseudo-terminal and waits for each completion
    // to appear; a completion that never comes ends in the timeout.
    const driver = [
      'zmodload zsh/zpty',
      'zpty z zsh -f -i',
      `zpty -w z 'PS1="re""ady> "; autoload -Uz compinit; compinit -u -D; source ${zshScript}'`,
      "zpty -r z out '*ready> *'",
      "zpty -w -n z $'cube insp\t'",
      "zpty -r z out '*inspect*' && print command",
      "zpty -w -n z $' --for\t'",
      "zpty -r z out '*--format*' && print option",
      "zpty -w -n z $'\t'",
      "zpty -r z out '*human*json*' && print values",
      'zpty -d z',
    ].join('\n');
    const run = await execa('zsh', ['-f', '-c', driver], { cwd: join(dir, 'project'), env: { HOME: dir, ZDOTDIR: dir, TERM: 'dumb' }, extendEnv: false, timeout: 30_000 });
    expect(run.stdout.split('\n')).toEqual(['command', 'option', 'values']);
  });
});

describe('cube completion', () => {
  it('needs a shell it knows', async () => {
    const run = await runCli(['completion', 'fish']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('say which shell: bash or zsh');
  });

  it.each(COMMAND_SUMMARIES.map((c) => c.name))('cube %s --help names every option its parser takes', async (name) => {
    const command = await (commands.find((c) => c.name === name) as (typeof commands)[number]).load();
    for (const [long, option] of Object.entries(command.options)) {
      expect(command.usage).toMatch(new RegExp(`${option.short ? `-${option.short}, ` : ''}--${long}(?=[\\s\\]|])`));
    }
  });
});
