/**
 * The GitHub Actions workflow in docs/ci.md is valid YAML with the steps the page promises (the
 * cache of $CUBE_CACHE_DIR restored, the SARIF file uploaded, a build whose metadata file feeds
 * a step output), and every cube command line in it parses with the commands' own option tables:
 * an option renamed in cube and left in the page fails here.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseCommandArgs } from '../../src/cli/args.js';
import { commands } from '../../src/cli/commands/index.js';
import { repoRoot } from '../helpers/example-images.js';

interface Step {
  readonly name?: string;
  readonly uses?: string;
  readonly id?: string;
  readonly run?: string;
  readonly with?: Record<string, string>;
}

async function workflow(): Promise<{ env: Record<string, string>; steps: Step[] }> {
  const page = await readFile(join(repoRoot, 'docs', 'ci.md'), 'utf8');
  const block = /```yaml\n([\s\S]*?)```/.exec(page)?.[1];
  if (block === undefined) throw new Error('docs/ci.md has no yaml block');
  const jobs = (parse(block) as { jobs: Record<string, { env: Record<string, string>; steps: Step[] }> }).jobs;
  const [job] = Object.values(jobs);
  if (!job) throw new Error('the workflow has no job');
  return job;
}

/** Every `cube <command> …` in a step's script, as argument lists (comments, redirections and other commands left out). */
function cubeCommands(script: string): string[][] {
  const out: string[][] = [];
  for (const match of script.replace(/(^|\s)#.*$/gm, '$1').matchAll(/\bcube\)?"?[ \t]+([a-z]+(?:[ \t]+[^\s;|>&}]+)*)/g)) out.push((match[1] as string).split(/[ \t]+/));
  return out;
}

describe('the workflow in docs/ci.md', () => {
  it('restores the cache, uploads the SARIF file and turns the metadata file into a step output', async () => {
    const { env, steps } = await workflow();
    const cache = steps.find((s) => s.uses?.startsWith('actions/cache@'));
    expect(env.CUBE_CACHE_DIR).toBe(`\${{ github.workspace }}/${cache?.with?.path}`);
    const check = steps.find((s) => s.run?.includes('cube check'));
    const sarif = /--format sarif > (\S+)/.exec(check?.run ?? '')?.[1];
    expect(steps.find((s) => s.uses?.startsWith('github/codeql-action/upload-sarif@'))?.with?.sarif_file).toBe(sarif);
    const build = steps.find((s) => s.run?.includes('cube build'));
    const metadata = /--metadata-file (\S+)/.exec(build?.run ?? '')?.[1];
    expect(build?.id).toBeDefined();
    expect(build?.run).toContain(`jq -r '."cube.artifact.digest"' ${metadata}`);
    expect(build?.run).toContain('"$GITHUB_OUTPUT"');
  });

  it('runs cube only with commands and options cube has', async () => {
    const { steps } = await workflow();
    const lines = steps.flatMap((s) => cubeCommands(s.run ?? ''));
    expect(lines.map((l) => l[0])).toEqual(['check', 'build', 'inspect', 'inspect', 'run']);
    for (const [name, ...args] of lines) {
      const entry = commands.find((c) => c.name === name);
      expect(entry, name).toBeDefined();
      const command = await entry?.load();
      expect(() => parseCommandArgs(name as string, args, command?.options ?? {}), `cube ${name} ${args.join(' ')}`).not.toThrow();
    }
  });
});
