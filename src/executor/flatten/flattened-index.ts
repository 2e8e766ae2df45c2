/**
 * Pass 1 of flattening: the flattened index. Every layer's headers are read oldest first and
 * applied with OCI semantics, so the index holds exactly the tree the layers produce, with each
 * path pointing at the inode (layer + member position) whose bytes it will hold.
 *
 * Hard links point at inodes, not paths: a link made in layer 1 to `/a` keeps layer 1's bytes
 * even when layer 2 replaces or whites out `/a`, exactly as applying the tars in order would.
 *
 * Every path's parent is in the index and is a directory, and each directory's children are kept
 * beside it, so removing a subtree (a whiteout, an opaque directory, a replaced directory) costs
 * what it removes, not the size of the tree, and finding a path's blocking ancestor stops at its
 * nearest existing one.
 */
import type { EntryMeta } from '../../core/tree-writer.js';
import { parentPath } from './tar-entry.js';

/** One filesystem object of the flattened tree; several paths share it when hard-linked. */
export interface IndexInode {
  readonly meta: EntryMeta;
  /** Index of the layer (oldest = 0) whose member carries this object's header and data. */
  readonly layer: number;
  /** Position of the member in its layer (0-based, after pax/GNU records merged). */
  readonly position: number;
  /** False for parent directories created because a layer named only their children. */
  readonly explicit: boolean;
  /** Bytes at the start of the member's data that are not file data (a sparse file's map). */
  readonly dataOffset?: number;
  /** Where the member's data starts in the layer's uncompressed tar, for a file: pass 2 can read it there. */
  readonly dataAt?: number;
}

/** How many symlinks a lookup follows before giving up (as Linux's MAXSYMLINKS). */
const MAX_SYMLINKS = 40;

/** The flattened tree as an index: path → inode. Queried by wrap checks and chown resolution. */
export class FlattenedIndex {
  readonly #entries: Map<string, IndexInode> = new Map();
  /** The paths directly below each directory that has any. */
  readonly #children = new Map<string, Set<string>>();
  /** {@link paths}' answer, until a path is added or removed: sealing and the checks ask many times. */
  #sorted: readonly string[] | undefined;

  /** A tree holding only `/`, or the tree of `entries` (as {@link entries} gave them). */
  constructor(entries?: Map<string, IndexInode>) {
    if (!entries) {
      this.#entries.set('/', { meta: rootMeta(), layer: -1, position: -1, explicit: false });
      return;
    }
    this.#entries = entries;
    for (const path of entries.keys()) if (path !== '/') this.#childrenOf(parentPath(path)).add(path);
  }

  /** The index's own map of path → inode, in insertion order, hard links as shared inodes. */
  entries(): Map<string, IndexInode> {
    return this.#entries;
  }

  /** The inode at `path` exactly (no symlink following), if any. */
  get(path: string): IndexInode | undefined {
    return this.#entries.get(path);
  }

  /** All surviving paths, sorted so that every parent precedes its children. */
  paths(): string[] {
    this.#sorted ??= sortPaths(this.#entries.keys());
    return [...this.#sorted];
  }

  /** Number of paths in the tree, root included. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * Resolves `path` inside the rootfs, following symlinks in every component (and in the last
   * one when `followLast`). Absolute targets restart at the rootfs root and `..` stops at it, so
   * a lookup can never leave the tree. Returns the final path and inode, or undefined.
   */
  resolve(path: string, followLast = true): { path: string; inode: IndexInode } | undefined {
    let hops = 0;
    let pending = path.split('/').filter((p) => p !== '' && p !== '.');
    let current: string[] = [];
    while (pending.length > 0) {
      const part = pending.shift() as string;
      if (part === '..') {
        current.pop();
        continue;
      }
      const candidate = '/' + [...current, part].join('/');
      const inode = this.#entries.get(candidate);
      if (!inode) return undefined;
      const isLast = pending.length === 0;
      if (inode.meta.type === 'symlink' && (!isLast || followLast)) {
        if (++hops > MAX_SYMLINKS) return undefined;
        const target = inode.meta.linkTarget ?? '';
        const targetParts = target.split('/').filter((p) => p !== '' && p !== '.');
        if (target.startsWith('/')) current = [];
        pending = [...targetParts, ...pending];
        continue;
      }
      if (!isLast && inode.meta.type !== 'dir') return undefined;
      current.push(part);
    }
    const finalPath = '/' + current.join('/');
    const inode = this.#entries.get(finalPath);
    return inode ? { path: finalPath, inode } : undefined;
  }

  /** Sets `path` to `inode`, applying replacement rules; parents must already be directories. */
  put(path: string, inode: IndexInode): void {
    const existing = this.#entries.get(path);
    if (existing && !(existing.meta.type === 'dir' && inode.meta.type === 'dir')) this.removeTree(path);
    this.#set(path, inode);
  }

  #set(path: string, inode: IndexInode): void {
    if (!this.#entries.has(path)) this.#sorted = undefined;
    if (!this.#entries.has(path) && path !== '/') this.#childrenOf(parentPath(path)).add(path);
    this.#entries.set(path, inode);
  }

  #childrenOf(dir: string): Set<string> {
    let children = this.#children.get(dir);
    if (!children) this.#children.set(dir, (children = new Set()));
    return children;
  }

  /** Removes `path` and everything below it. */
  removeTree(path: string): void {
    if (path === '/') {
      this.clearChildren('/');
      return;
    }
    if (!this.#entries.delete(path)) return;
    this.#sorted = undefined;
    this.#children.get(parentPath(path))?.delete(path);
    this.#removeBelow(path);
  }

  /** Removes everything below `dir`, keeping `dir` itself (an opaque directory). */
  clearChildren(dir: string): void {
    this.#removeBelow(dir);
  }

  /** Removes every path below `dir` (its children's own sets go with them). */
  #removeBelow(dir: string): void {
    const pending = [dir];
    for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
      const children = this.#children.get(next);
      if (!children) continue;
      this.#children.delete(next);
      this.#sorted = undefined;
      for (const child of children) {
        this.#entries.delete(child);
        pending.push(child);
      }
    }
  }

  /**
   * The nearest ancestor of `path` that exists, if it is not a directory. Farther ancestors of an
   * existing path are directories already, so the search stops at the nearest one.
   */
  blockingAncestor(path: string): string | undefined {
    for (let at = parentPath(path); at !== '/'; at = parentPath(at)) {
      const inode = this.#entries.get(at);
      if (inode) return inode.meta.type === 'dir' ? undefined : at;
    }
    return undefined;
  }

  /** Adds root-owned 0755 directories for missing ancestors of `path`, like tar extraction; returns them, outermost first. */
  addImplicitParents(path: string, layer: number, position: number): string[] {
    const missing: string[] = [];
    for (let at = parentPath(path); at !== '/' && !this.#entries.has(at); at = parentPath(at)) missing.push(at);
    missing.reverse();
    for (const dir of missing) this.#set(dir, { meta: implicitDirMeta(), layer, position, explicit: false });
    return missing;
  }
}

/**
 * Orders paths component by component, so `/a` < `/a/b` < `/a-b` and parents come first:
 * comparing with `/` mapped to the lowest code unit gives exactly that order.
 */
export function comparePaths(a: string, b: string): number {
  const ka = sortKey(a);
  const kb = sortKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** Sorts paths in {@link comparePaths} order, computing each key once. */
export function sortPaths(paths: Iterable<string>): string[] {
  return [...paths]
    .map((p) => [sortKey(p), p] as const)
    .sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))
    .map((x) => x[1]);
}

function sortKey(path: string): string {
  return path.replaceAll('/', '\0');
}

function rootMeta(): EntryMeta {
  return implicitDirMeta();
}

function implicitDirMeta(): EntryMeta {
  return { type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: { sec: 0, nsec: 0 } };
}
