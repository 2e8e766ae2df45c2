/** Makes the example OCI layout and stand-in envd once (they are skipped when already there). */
import { join } from 'node:path';
import { execa } from 'execa';

/** The repository root. */
export const repoRoot = join(import.meta.dirname, '..', '..');

/** The example OCI layout (tags `base`, `python`, `node`). */
export const exampleLayout = join(repoRoot, 'examples', 'images', 'oci');

/** The stand-in envd binary. */
export const exampleEnvd = join(repoRoot, 'examples', 'images', 'envd');

/** Runs `npm run example:images` (idempotent). */
export async function ensureExampleImages(): Promise<void> {
  await execa('node', [join(repoRoot, 'examples', 'images', 'make-images.js')], { cwd: repoRoot });
}
