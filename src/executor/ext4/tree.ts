/**
 * The in-memory directory tree the writer builds while file data streams to disk. Nodes hold
 * metadata and the extents already written; directory contents, inode numbers and link counts
 * are only fixed when the image is sealed, so replacing and removing paths is always safe.
 */
import { createDiagnostic, DiagnosticError } from '../../core/diagnostics/index.js';
import { ext4Codes } from '../../core/diagnostics/codes-ext4.js';
import type { EntryMeta, Timestamp } from '../../core/tree-writer.js';
import type { Extent } from './format/index.js';

/** One filesystem object. Several directory entries share a node when hard-linked. */
export interface TreeNode {
  meta: EntryMeta;
  /** Directory contents by name (directories only). */
  readonly children?: Map<string, TreeNode>;
  /** Data extents, in logical order (files, slow symlinks; directories get theirs when sealed). */
  readonly extents: Extent[];
}

/** Makes a node for `meta`. */
export function makeNode(meta: EntryMeta): TreeNode {
  return meta.type === 'dir' ? { meta, children: new Map(), extents: [] } : { meta, extents: [] };
}

/** Splits an absolute path into its names (`/` gives none). */
export function pathNames(path: string): string[] {
  return path.split('/').filter((p) => p !== '' && p !== '.');
}

function notDirectory(path: string, at: string): DiagnosticError {
  return new DiagnosticError(createDiagnostic(ext4Codes.parentNotDirectory, 'notDirectory', { path, at }));
}

/** The tree, rooted at `/`. */
export class Tree {
  readonly root: TreeNode;
  readonly #implicitTime: Timestamp;

  /** A new tree, or the tree under `root` (a tree taken from a writer's state). */
  constructor(implicitTime: Timestamp, root?: TreeNode) {
    this.#implicitTime = implicitTime;
    this.root = root ?? makeNode({ type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: implicitTime });
  }

  /** The parent directory of `path`, creating missing directories (root-owned, 0755). */
  parentOf(path: string): { dir: TreeNode; name: string } {
    const names = pathNames(path);
    const name = names.pop();
    if (name === undefined) throw new Error(`no parent for ${path}`);
    let dir = this.root;
    let at = '';
    for (const part of names) {
      at += `/${part}`;
      let next = dir.children?.get(part);
      if (!next) {
        next = makeNode({ type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: this.#implicitTime });
        dir.children?.set(part, next);
      }
      if (next.meta.type !== 'dir') throw notDirectory(path, at);
      dir = next;
    }
    return { dir, name };
  }

  /** The node at `path`, if any (no symlinks followed). */
  get(path: string): TreeNode | undefined {
    let node: TreeNode | undefined = this.root;
    for (const part of pathNames(path)) {
      node = node?.children?.get(part);
      if (!node) return undefined;
    }
    return node;
  }

  /** Puts `node` at `path`; a directory over a directory keeps the old children. */
  put(path: string, node: TreeNode): TreeNode {
    if (pathNames(path).length === 0) {
      if (node.meta.type !== 'dir') throw notDirectory(path, '/');
      this.root.meta = node.meta;
      return this.root;
    }
    const { dir, name } = this.parentOf(path);
    const existing = dir.children?.get(name);
    if (existing && existing.meta.type === 'dir' && node.meta.type === 'dir') {
      existing.meta = node.meta;
      return existing;
    }
    dir.children?.set(name, node);
    return node;
  }

  /** Removes `path` and everything below it; a missing path is not an error. */
  remove(path: string): void {
    const names = pathNames(path);
    const name = names.pop();
    if (name === undefined) {
      this.root.children?.clear();
      return;
    }
    let dir: TreeNode | undefined = this.root;
    for (const part of names) dir = dir?.children?.get(part);
    dir?.children?.delete(name);
  }
}
