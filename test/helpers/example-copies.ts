/**
 * The examples, copied into a temporary directory with their base images and stand-in envd made
 * there, so tests that build them never write into the repository. The copy reaches the
 * repository's node_modules through a link, as the examples' scripts import execa.
 */
import { cp, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { repoRoot } from './example-images.js';
import { runCli } from './run-cli.js';
import type { CliRun } from './run-cli.js';

/** A copy of `examples/` with its images made. */
export interface ExampleCopies {
  /** The copied `examples/` directory. */
  readonly dir: string;
  /** The stand-in envd built in the copy. */
  readonly envd: string;
  /** `cube build` of the copied example `name` into `out`. */
  build(name: string, out: string, cacheDir: string): Promise<CliRun>;
}

/** Copies the examples into `work/examples` and makes their images there. */
export async function copyExamples(work: string): Promise<ExampleCopies> {
  const dir = join(work, 'examples');
  const made = /\/(images\/oci|images\/envd|Cubefile\.lock)(\.tmp-[^/]*)?$/;
  await cp(join(repoRoot, 'examples'), dir, { recursive: true, filter: (source) => !made.test(source) });
  await symlink(join(repoRoot, 'node_modules'), join(work, 'node_modules'));
  await execa('node', [join(dir, 'images', 'make-images.js')], { cwd: work });
  const envd = join(dir, 'images', 'envd');
  return {
    dir,
    envd,
    build: (name, out, cacheDir) => runCli(['build', join(dir, name), '--envd-path', envd, '--cache-dir', cacheDir, '--out', out], { cwd: work }),
  };
}
