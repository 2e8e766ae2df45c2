/**
 * The example base images (made once per run by test/setup/example-images.ts) and throwaway
 * copies of the examples: a test that plans or builds an example works on a copy in a temporary
 * directory, so nothing (a lockfile, an output) is ever written into the repository, and no
 * lockfile of the checkout's own leaks into a test.
 */
import { cp, mkdtemp, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { inject } from 'vitest';

/** The repository root. */
export const repoRoot = join(import.meta.dirname, '..', '..');

/** The examples, by directory name. */
export const EXAMPLES = ['python-web', 'node-app', 'byo-envd'] as const;

/** The example OCI layout (tags `base`, `python`, `node`). */
export const exampleLayout = join(inject('exampleImages'), 'oci');

/** The stand-in envd binary. */
export const exampleEnvd = join(inject('exampleImages'), 'envd');

/**
 * Copies `examples/<name>` into a new temporary directory, beside an `images` link to this run's
 * example images (the examples name `../images/oci` and `../images/envd`); returns the copy.
 */
export async function copyExample(name: (typeof EXAMPLES)[number], parent?: string): Promise<string> {
  const root = await mkdtemp(join(parent ?? tmpdir(), `cube-example-${name}-`));
  // A lockfile left by `npm run example` pins this checkout's images, not this run's.
  await cp(join(repoRoot, 'examples', name), join(root, name), { recursive: true, filter: (source) => basename(source) !== 'Cubefile.lock' });
  await symlink(inject('exampleImages'), join(root, 'images'));
  return join(root, name);
}
