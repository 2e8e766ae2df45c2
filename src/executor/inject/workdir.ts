/** `WORKDIR`: creates the directory if the image lacks it, as Docker does. */
import { createDiagnostic } from '../../core/diagnostics/index.js';
import type { Diagnostic } from '../../core/diagnostics/index.js';
import { buildCodes } from '../../core/diagnostics/codes-build.js';
import type { Timestamp, TreeWriter } from '../../core/tree-writer.js';
import type { FlattenedIndex } from '../flatten/index.js';
import { normaliseImagePath } from './copy.js';

/**
 * Ensures `path` is a directory. An existing directory (symlinks followed inside the rootfs) is
 * left untouched; a missing one is created 0755 root:root with its parents. Returns a diagnostic
 * when the path exists as something else.
 */
export async function ensureWorkdir(
  writer: TreeWriter<unknown>,
  index: FlattenedIndex,
  path: string,
  mtime: Timestamp = { sec: 0, nsec: 0 },
): Promise<Diagnostic | undefined> {
  const target = normaliseImagePath(path);
  const hit = index.resolve(target);
  if (hit?.inode.meta.type === 'dir') return undefined;
  if (hit) return createDiagnostic(buildCodes.workdirNotDirectory, `WORKDIR ${target} exists in the image as a ${hit.inode.meta.type}`);
  await writer.create(target, { type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime });
  return undefined;
}
