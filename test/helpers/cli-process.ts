/**
 * The `cube` command as a separate process, for tests that send it signals: bundled by
 * scripts/bundle.js as `npm run build` does, but into a temporary package directory (its
 * package.json copied, its node_modules linked), so the repository's own dist/ is left alone.
 */
import { copyFile, mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { repoRoot } from './example-images.js';

/** Bundles the command under `work/pkg` and returns the script to run with node. */
export async function bundleCli(work: string): Promise<string> {
  const pkg = join(work, 'pkg');
  await mkdir(join(pkg, 'bin'), { recursive: true });
  await copyFile(join(repoRoot, 'package.json'), join(pkg, 'package.json'));
  await symlink(join(repoRoot, 'node_modules'), join(pkg, 'node_modules'));
  await execa('node', [join(repoRoot, 'scripts', 'bundle.js'), '--outfile', join(pkg, 'dist', 'cli', 'bundle.js')]);
  await copyFile(join(repoRoot, 'bin', 'cube.js'), join(pkg, 'bin', 'cube.js'));
  return join(pkg, 'bin', 'cube.js');
}
