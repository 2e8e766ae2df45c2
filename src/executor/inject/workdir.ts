/** `WORKDIR`: creates the directory if the image lacks it, as Docker does. */
import type { Timestamp, TreeWriter } from '../../core/tree-writer.js';
import type { FlattenedIndex } from '../flatten/index.js';
import { normaliseImagePath } from './copy.js';

/** A directory that cannot be made: `prefix` of `target` exists in the image as a `type`. */
export interface WorkdirBlocked {
  readonly target: string;
  readonly prefix: string;
  readonly type: string;
}

/**
 * Ensures `path` is a directory. An existing directory (symlinks followed inside the rootfs) is
 * left untouched; a missing one is created 0755 root:root with its parents, below the real
 * location of its deepest existing ancestor, so a symlinked parent is followed rather than
 * written through. Says what is in the way when the path or an ancestor exists as a non-directory.
 */
export async function ensureWorkdir(
  writer: TreeWriter<unknown>,
  index: FlattenedIndex,
  path: string,
  mtime: Timestamp = { sec: 0, nsec: 0 },
): Promise<WorkdirBlocked | undefined> {
  const target = normaliseImagePath(path);
  const parts = target.split('/').filter((p) => p !== '');
  for (let keep = parts.length; keep >= 0; keep--) {
    const prefix = '/' + parts.slice(0, keep).join('/');
    const hit = index.resolve(prefix);
    if (!hit) continue;
    if (hit.inode.meta.type !== 'dir') {
      return { target, prefix, type: hit.inode.meta.type };
    }
    if (keep === parts.length) return undefined;
    const real = hit.path === '/' ? '' : hit.path;
    await writer.create(`${real}/${parts.slice(keep).join('/')}`, { type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime });
    return undefined;
  }
  throw new Error('unreachable: the root always resolves');
}
