/**
 * `COPY` with Docker's destination rules: the destination is a directory when it ends in `/`,
 * when there are several sources, when a source is a directory, or when it already is a
 * directory in the image; a directory source copies its contents, not itself. `--chown` applies
 * to everything copied and to a destination directory COPY creates; `--chmod` to everything
 * copied. Other created parents are root:root 0755. Host files are hash-verified while streamed.
 */
import type { CopyEntry, CopySource, PlannedCopy } from '../../core/host-inputs.js';
import type { Timestamp, TreeWriter } from '../../core/tree-writer.js';
import type { NumericUser } from '../launch/users.js';
import { writeVerifiedFile } from './verified-file.js';

export type { CopyEntry, CopySource } from '../../core/host-inputs.js';

/** A COPY step as plain data: the planned COPY with its owner resolved to numbers. */
export interface CopyStep extends Omit<PlannedCopy, 'chown'> {
  readonly owner?: NumericUser;
  readonly chmod?: number;
  readonly mtime?: Timestamp;
}

/** Normalises an absolute in-image path (`/a//b/` → `/a/b`). */
export function normaliseImagePath(path: string): string {
  const parts: string[] = [];
  for (const p of path.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') parts.pop();
    else parts.push(p);
  }
  return '/' + parts.join('/');
}

/** Where each source lands: `into` means inside the directory `dest`, else exactly at `dest`. */
export function copyTargetIsDirectory(step: CopyStep, destIsDirInImage: boolean): boolean {
  return step.dest.endsWith('/') || step.sources.length > 1 || step.sources.some((s) => s.isDir) || destIsDirInImage;
}

function join(dir: string, rel: string): string {
  if (rel === '') return dir;
  return dir === '/' ? `/${rel}` : `${dir}/${rel}`;
}

/**
 * Writes a COPY step. `isDirInImage` says whether a path is currently a directory in the tree
 * (the flattened index plus earlier steps).
 */
export async function applyCopy(writer: TreeWriter<unknown>, step: CopyStep, isDirInImage: (path: string) => boolean): Promise<void> {
  const dest = normaliseImagePath(step.dest);
  const owner = step.owner ?? { uid: 0, gid: 0 };
  const mtime = step.mtime ?? { sec: 0, nsec: 0 };
  const intoDir = copyTargetIsDirectory(step, isDirInImage(dest));
  if (intoDir && !isDirInImage(dest)) {
    await writer.create(dest, { type: 'dir', mode: step.chmod ?? 0o755, uid: owner.uid, gid: owner.gid, mtime });
  }
  for (const source of step.sources) {
    const base = intoDir ? (source.isDir ? dest : join(dest, source.name)) : dest;
    for (const entry of source.entries) {
      const path = join(base, entry.relative);
      if (entry.type === 'dir') {
        if (path === dest && !source.isDir) continue;
        await writer.create(path, { type: 'dir', mode: step.chmod ?? entry.mode, uid: owner.uid, gid: owner.gid, mtime });
      } else if (entry.type === 'symlink') {
        await writer.create(path, { type: 'symlink', mode: 0o777, uid: owner.uid, gid: owner.gid, mtime, linkTarget: entry.linkTarget });
      } else {
        await writeVerifiedFile(
          writer,
          path,
          { mode: step.chmod ?? entry.mode, uid: owner.uid, gid: owner.gid, mtime },
          entry,
          'COPY source',
        );
      }
    }
  }
}
