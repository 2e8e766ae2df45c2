/**
 * The hand-off between layer flattening and the filesystem writer: a tar-writer-shaped sink of
 * entries. The ext4 writer implements it; flattening, injection and COPY only ever talk to this.
 */

/** A point in time with nanosecond precision. `sec` may be negative (before 1970). */
export interface Timestamp {
  readonly sec: number;
  readonly nsec: number;
}

/**
 * The earliest and latest `sec` an entry may carry: ext4's 32-bit seconds and two epoch bits hold
 * 1901-12-13 to 2446-05-10, but e2fsck takes a time from 2310-04-04 on (epoch bits 3 with the
 * sign bit set) for a pre-1970 time written by an old kernel, so cube stops before it.
 */
export const EARLIEST_TIME = -(2 ** 31);
export const LATEST_TIME = 2 ** 33 + 2 ** 31 - 1;

/** What kind of filesystem object an entry is. */
export type EntryType = 'file' | 'dir' | 'symlink' | 'char' | 'block' | 'fifo' | 'socket';

/** One data region of a sparse file; bytes outside every region read as zeros. */
export interface SparseRegion {
  readonly offset: number;
  readonly length: number;
}

/** Metadata of one entry. */
export interface EntryMeta {
  readonly type: EntryType;
  /** Permission bits including setuid/setgid/sticky (0–0o7777); no file-type bits. */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly mtime: Timestamp;
  /** Defaults to `mtime`. */
  readonly atime?: Timestamp;
  /** Defaults to `mtime`. */
  readonly ctime?: Timestamp;
  /** For `file`: the logical size; exactly the data bytes (or sparse regions) follow via `write`. */
  readonly size?: number;
  /** For `file`: when present, only these regions' bytes follow via `write`, in order. */
  readonly sparse?: readonly SparseRegion[];
  /** For `symlink`: the target, as stored. */
  readonly linkTarget?: string;
  /** For `char` and `block`. */
  readonly devMajor?: number;
  readonly devMinor?: number;
  /** Extended attributes by full name (`security.capability`, `user.foo`, `system.posix_acl_access`). */
  readonly xattrs?: ReadonlyMap<string, Uint8Array>;
}

/**
 * A sink of filesystem entries. Paths are absolute, normalised and `/`-separated (`/usr/bin/env`);
 * `/` itself may be given to set the root directory's metadata.
 *
 * - `create` adds an entry. Missing parent directories are created (root-owned, 0755). Creating a
 *   path that exists replaces it, except that a directory created over a directory keeps its
 *   children and takes the new metadata.
 * - For a regular file, exactly `size` bytes (or the sparse regions' bytes) follow through
 *   `write` before the next call of any other method.
 * - `link` makes `path` a hard link to the existing non-directory `target`.
 * - `remove` deletes a path (and everything below it).
 * - `close` finishes the filesystem; no method may be called after it.
 * - `abort` gives up after a failure: it releases what the writer holds (an open file) and
 *   leaves the output unfinished for the caller to delete. It may follow any call, even one
 *   that failed, and may be called more than once.
 */
export interface TreeWriter<CloseResult = void> {
  create(path: string, meta: EntryMeta): Promise<void>;
  write(data: Uint8Array): Promise<void>;
  link(target: string, path: string): Promise<void>;
  remove(path: string): Promise<void>;
  close(): Promise<CloseResult>;
  abort(): Promise<void>;
}

/** A writer that keeps nothing: under an index it lets steps build only the index; under a capture, it reads files without writing a tree. */
export function discardingWriter(): TreeWriter<undefined> {
  const nothing = async (): Promise<undefined> => undefined;
  return {
    create: async (_path: string, _meta: EntryMeta) => undefined,
    write: nothing,
    link: nothing,
    remove: nothing,
    close: nothing,
    abort: nothing,
  };
}
