/**
 * Inode numbering, the first sealing step: the tree is walked breadth-first with each
 * directory's names in byte order, so numbers depend only on the tree, never on the order
 * entries arrived in. Link counts are fixed here too.
 */
import { DIR_NLINK_OVERFLOW, FIRST_INODE, LINK_MAX, ROOT_INODE } from '../format/index.js';
import { compareNames } from '../../../core/names.js';
import type { Timestamp } from '../../../core/tree-writer.js';
import type { Tree, TreeNode } from '../tree.js';

/** One inode to be written: the tree node, its number and link count. */
export interface NumberedInode {
  readonly node: TreeNode;
  readonly ino: number;
  readonly links: number;
  /** The parent directory's inode (for `..`); the root is its own parent. Only directories use it. */
  readonly parent: number;
}

/** Every reachable node numbered, in inode order (the root first). */
export interface Numbering {
  readonly inodes: readonly NumberedInode[];
  /** The inode number of each node: hard links are one node under several names. */
  readonly inoOf: ReadonlyMap<TreeNode, number>;
}

/** The names of a directory's children in byte order. */
export function sortedNames(dir: TreeNode): string[] {
  return [...(dir.children?.keys() ?? [])].sort(compareNames);
}

/** Adds `/lost+found` (root-owned, 0700, as mke2fs makes it) unless the tree has one: e2fsck expects it. */
export function addLostFound(tree: Tree, time: Timestamp): void {
  if (!tree.get('/lost+found')) tree.put('/lost+found', { meta: { type: 'dir', mode: 0o700, uid: 0, gid: 0, mtime: time }, children: new Map(), extents: [] });
}

/** A directory's link count: itself, `.`, and each subdirectory's `..`; past LINK_MAX, dir_nlink's "not counted". */
function directoryLinks(dir: TreeNode): number {
  let subdirs = 0;
  for (const child of dir.children?.values() ?? []) if (child.meta.type === 'dir') subdirs++;
  return 2 + subdirs > LINK_MAX ? DIR_NLINK_OVERFLOW : 2 + subdirs;
}

/** Numbers every reachable node (root 2, then 11 upward, breadth-first in name order) and counts links. */
export function numberInodes(tree: Tree): Numbering {
  const inoOf = new Map<TreeNode, number>([[tree.root, ROOT_INODE]]);
  // Per node, in numbering order: the node, its parent directory's inode, and its names so far.
  const order: TreeNode[] = [tree.root];
  const parents: number[] = [ROOT_INODE];
  const names: number[] = [0];
  const indexOf = (ino: number): number => (ino === ROOT_INODE ? 0 : ino - FIRST_INODE + 1);
  for (let i = 0; i < order.length; i++) {
    const dir = order[i] as TreeNode;
    if (dir.meta.type !== 'dir') continue;
    const self = i === 0 ? ROOT_INODE : FIRST_INODE + i - 1;
    for (const name of sortedNames(dir)) {
      const child = dir.children?.get(name) as TreeNode;
      let ino = inoOf.get(child);
      if (ino === undefined) {
        ino = FIRST_INODE + order.length - 1;
        inoOf.set(child, ino);
        order.push(child);
        parents.push(self);
        names.push(0);
      }
      // Each hard link is one more name for the same node.
      const at = indexOf(ino);
      names[at] = (names[at] as number) + 1;
    }
  }
  const inodes = order.map((node, i) => ({
    node,
    ino: i === 0 ? ROOT_INODE : FIRST_INODE + i - 1,
    links: node.meta.type === 'dir' ? directoryLinks(node) : (names[i] as number),
    parent: parents[i] as number,
  }));
  return { inodes, inoOf };
}
