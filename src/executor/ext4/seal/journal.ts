/**
 * An empty jbd2 journal for `SEAL ext4 journal`: inode 8, sized as mke2fs sizes it, with a
 * journal superblock in its first block and nothing to replay. Only that block is written; the
 * rest of the journal stays a hole in the image file, which reads as zeros.
 */
import type { Timestamp } from '../../../core/tree-writer.js';
import { addExtent } from '../disk.js';
import type { BlockSpace } from '../disk.js';
import { BLOCK_SIZE, encodeJournalSuperblock, JOURNAL_INODE, ROOT_INODE } from '../format/index.js';
import type { Extent } from '../format/index.js';
import type { TreeNode } from '../tree.js';
import type { PlacedInode } from './directories.js';

/** mke2fs's journal sizes: up to a filesystem size in blocks, the journal's size in blocks. */
const JOURNAL_SIZES: readonly (readonly [number, number])[] = [
  [32768, 1024],
  [262144, 4096],
  [524288, 8192],
];
/** The journal size of any larger filesystem. */
const LARGEST_JOURNAL = 16384;

/** Journal length in blocks for a filesystem of about `blocks` blocks, as mke2fs sizes it. */
export function journalBlocksFor(blocks: number): number {
  return JOURNAL_SIZES.find(([below]) => blocks < below)?.[1] ?? LARGEST_JOURNAL;
}

/** Allocates the journal after everything placed so far, writes its superblock, and returns its inode. */
export async function placeJournal(space: BlockSpace, uuid: Uint8Array, time: Timestamp): Promise<PlacedInode> {
  const count = journalBlocksFor(space.allocator.next);
  const node: TreeNode = { meta: { type: 'file', mode: 0o600, uid: 0, gid: 0, mtime: time, size: count * BLOCK_SIZE }, extents: [] };
  const runs = space.allocator.allocate(count);
  const extents: Extent[] = [];
  let logical = 0;
  for (const run of runs) {
    addExtent(extents, logical, run);
    logical += run.len;
  }
  await space.disk.write((runs[0] as { start: number }).start, encodeJournalSuperblock(count, uuid));
  return { node, ino: JOURNAL_INODE, links: 1, parent: ROOT_INODE, extents, flags: 0 };
}
