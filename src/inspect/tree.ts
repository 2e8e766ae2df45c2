/**
 * The image's tree as `cube inspect` weighs it: every path read from the image with its inode's
 * size and blocks, where it came from, and for each directory the totals of everything below
 * it. A hard-linked file's bytes count once, at its first name in walk order.
 */
import type { EntryType } from '../core/tree-writer.js';
import type { Ext4Entry } from '../executor/ext4/index.js';
import { displayName } from './names.js';

/** One path of the image. */
export interface TreeNode {
  /** The last name, printable (see names.ts); empty for the root. */
  readonly name: string;
  /** The path, printable. */
  readonly path: string;
  readonly type: EntryType;
  readonly depth: number;
  /** Apparent size in bytes (0 for a second name of a hard-linked file). */
  readonly size: number;
  /** Bytes of the blocks it holds (0 for a second name of a hard-linked file). */
  readonly allocated: number;
  /** Whether this name is a further name of an inode already counted. */
  readonly hardLink: boolean;
  /** Index of its origin in the report's origins. */
  readonly origin: number;
  readonly children: TreeNode[];
  /** This entry and everything below it: `size` counts regular files' bytes only. */
  readonly total: { size: number; allocated: number; entries: number };
}

/** Builds the tree from a walk that yields parents first; `originOf` places each path. */
export async function buildTree(entries: AsyncIterable<Ext4Entry>, originOf: (names: readonly Buffer[]) => number): Promise<TreeNode> {
  const counted = new Set<number>();
  const directories = new Map<string, TreeNode>();
  let root: TreeNode | undefined;
  for await (const entry of entries) {
    const first = !counted.has(entry.ino);
    counted.add(entry.ino);
    const name = entry.names.length === 0 ? '' : displayName(entry.names[entry.names.length - 1] as Buffer);
    const parentPath = '/' + entry.names.slice(0, -1).map(displayName).join('/');
    const path = entry.names.length === 0 ? '/' : (parentPath === '/' ? '' : parentPath) + '/' + name;
    const size = first ? entry.size : 0;
    const allocated = first ? entry.allocated : 0;
    const node: TreeNode = { name, path, type: entry.type, depth: entry.names.length, size, allocated, hardLink: !first, origin: originOf(entry.names), children: [], total: { size: entry.type === 'file' ? size : 0, allocated, entries: 1 } };
    if (entry.names.length === 0) root = node;
    else directories.get(parentPath)?.children.push(node);
    if (entry.type === 'dir') directories.set(path, node);
  }
  if (!root) throw new Error('the walk yielded no root');
  addTotals(root);
  return root;
}

/** Adds each directory's children's totals to its own, bottom up. */
function addTotals(root: TreeNode): void {
  const order: TreeNode[] = [root];
  for (let i = 0; i < order.length; i++) order.push(...(order[i] as TreeNode).children);
  for (let i = order.length - 1; i >= 0; i--) {
    const node = order[i] as TreeNode;
    for (const child of node.children) {
      node.total.size += child.total.size;
      node.total.allocated += child.total.allocated;
      node.total.entries += child.total.entries;
    }
  }
}

/** Every node of the tree, parents first. */
export function* allNodes(root: TreeNode): Generator<TreeNode> {
  const stack = [root];
  while (stack.length > 0) {
    const node = stack.pop() as TreeNode;
    yield node;
    for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i] as TreeNode);
  }
}
