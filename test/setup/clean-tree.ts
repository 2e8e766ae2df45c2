/**
 * Vitest global setup: the test run must leave the checkout as it found it. The working tree's
 * status, ignored files included (a lockfile or an output directory a test wrote into the
 * repository would show up here), is read before the run and compared after it. A run with
 * `--update` rewrites golden files on purpose, and is not checked.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import type { TestProject } from 'vitest/node';

const root = join(import.meta.dirname, '..', '..');

async function status(): Promise<string[]> {
  const { stdout } = await execa('git', ['status', '--porcelain', '--ignored=matching', '--untracked-files=normal'], { cwd: root });
  return stdout.split('\n').filter((line) => line !== '');
}

/** Reads the status now and returns the check that runs after every test file. */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const update = project.config.snapshotOptions.updateSnapshot === 'all';
  if (update || !existsSync(join(root, '.git'))) return undefined;
  const before = new Set(await status());
  return async () => {
    const added = (await status()).filter((line) => !before.has(line));
    if (added.length === 0) return;
    // A teardown's exception is only logged by vitest; the exit code is what CI sees.
    console.error(`the tests wrote into the repository:\n${added.join('\n')}`);
    process.exitCode = 1;
  };
}
