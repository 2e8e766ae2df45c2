/**
 * What the planner resolves on the host and the executor reads back: host files by digest, and
 * COPY sources as hashed entries. Shared by both stages, so neither imports the other's types.
 */
import type { Chown } from './build-spec.js';
import type { Digest } from './digest.js';

/** A host file as the planner recorded it. */
export interface HostFile {
  readonly hostPath: string;
  readonly digest: Digest;
  readonly size: number;
}

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

/** A COPY as the planner resolved it: hashed sources, the destination as written, `--chown` by name, `--chmod`. */
export interface PlannedCopy {
  readonly sources: readonly CopySource[];
  /** Absolute in-image destination as written (a trailing `/` means "into this directory"). */
  readonly dest: string;
  readonly chown?: Chown;
  readonly chmod?: number;
}
