/**
 * `COPY` with Docker's destination rules: the destination is a directory when it ends in `/`,
 * when there are several sources, when a source is a directory, or when it already is a
 * directory in the image; a directory source copies its contents, not itself. `--chown` applies
 * to everything copied and to a destination directory COPY creates; `--chmod` to everything
 * copied. Other created parents are root:root 0755. Host files are hash-verified while streamed.
 */
import type { Digest } from '../../core/digest.js';
import type { Timestamp, TreeWriter } from '../../core/tree-writer.js';
import type { NumericUser } from '../launch/users.js';
import { writeVerifiedFile } from './verified-file.js';

/** One object inside a COPY source, as the planner recorded it while hashing the context. */
export type CopyEntry =
  | { readonly type: 'file'; readonly relative: string; readonly hostPath: string; readonly digest: Digest; readonly size: number; readonly mode: number }
  | { readonly type: 'dir'; readonly relative: string; readonly mode: number }
  | { readonly type: 'symlink'; readonly relative: string; readonly linkTarget: string };

/** One COPY source: a file (one entry with `relative: ''`) or a directory and its contents. */
export interface CopySource {
  /** Base name of the source as written, used when a file lands in a destination directory. */
  readonly name: string;
  readonly isDir: boolean;
  /** For a directory: its contents with `relative` paths (`a`, `a/b`), parents before children. */
  readonly entries: readonly CopyEntry[];
}

/** A COPY step as plain data. */
export interface CopyStep {
  readonly sources: readonly CopySource[];
  /** Absolute in-image destination as written (a trailing `/` means "into this directory"). */
  readonly dest: string;
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
