/**
 * Disk layout, the fifth sealing step: how many block groups, how many inodes per group, and
 * where each group's bitmaps and inode table go (after everything placed so far). Sizes depend
 * on each other (more groups, more metadata; more metadata, maybe more groups), so the plan is
 * found as a fixed point. Pure: the same inputs give the same plan.
 */
import { createDiagnostic, DiagnosticError } from '../../../core/diagnostics/index.js';
import { ext4Codes } from '../../../core/diagnostics/codes-ext4.js';
import { Allocator, GDT_RESERVED } from '../disk.js';
import {
  BLOCK_SIZE,
  BLOCKS_PER_GROUP,
  GroupDescriptor,
  hasSuperblockBackup,
  INODES_PER_BLOCK,
  INODES_PER_GROUP_ALIGN,
  MAX_INODES_PER_GROUP,
} from '../format/index.js';

/** Image sizes are a multiple of 2 MiB, as virtio-pmem needs. */
export const ALIGN_BLOCKS = (2 * 1024 * 1024) / BLOCK_SIZE;
/** One inode per this many bytes of free space, mke2fs's default ratio. */
const INODE_RATIO = 16384;
/** Free inodes an image gets even with no free space asked for. */
const MIN_FREE_INODES = 16;

/** Where each group's metadata goes, and how big the filesystem is. */
export interface Layout {
  readonly groups: number;
  /** Blocks in the filesystem (the image is this many blocks long). */
  readonly blocks: number;
  readonly inodesPerGroup: number;
  /** Blocks of group descriptors after each superblock copy. */
  readonly gdtBlocks: number;
  readonly blockBitmaps: readonly number[];
  readonly inodeBitmaps: readonly number[];
  readonly inodeTables: readonly number[];
}

/** The size policy: a fixed SIZE, or FREE bytes left over the content. */
interface Sizing {
  readonly size?: number;
  readonly free?: number;
}

function alignUp(blocks: number): number {
  return Math.ceil(blocks / ALIGN_BLOCKS) * ALIGN_BLOCKS;
}

/** Places `groups` groups' bitmaps, then their inode tables, from block `dataEnd` on; returns the places and the end. */
function placeGroupMetadata(dataEnd: number, groups: number, inodesPerGroup: number): Pick<Layout, 'blockBitmaps' | 'inodeBitmaps' | 'inodeTables'> & { end: number } {
  const allocator = new Allocator();
  allocator.next = dataEnd;
  const place = (): number[] => Array.from({ length: groups }, () => (allocator.allocate(1)[0] as { start: number }).start);
  const itableBlocks = inodesPerGroup / INODES_PER_BLOCK;
  const blockBitmaps = place();
  const inodeBitmaps = place();
  const inodeTables: number[] = [];
  for (let g = 0; g < groups; g++) {
    // An inode table must be contiguous: skip ahead rather than split it around a backup region.
    let runs = allocator.allocate(itableBlocks);
    while (runs.length !== 1) runs = allocator.allocate(itableBlocks);
    inodeTables.push((runs[0] as { start: number }).start);
  }
  return { blockBitmaps, inodeBitmaps, inodeTables, end: allocator.next };
}

/** Picks the group count, inode count and metadata places so everything fits: a fixed point. */
export function planLayout(dataEnd: number, usedInodes: number, sizing: Sizing): Layout {
  const freeBytes = sizing.free ?? 0;
  // Free inodes in proportion to the free space the sandbox gets (FREE, or what SIZE leaves).
  const headroom = sizing.size !== undefined ? Math.max(0, sizing.size - dataEnd * BLOCK_SIZE) : freeBytes;
  const wanted = usedInodes + Math.max(MIN_FREE_INODES, Math.ceil(headroom / INODE_RATIO));
  let groups = Math.max(1, Math.ceil(dataEnd / BLOCKS_PER_GROUP));
  for (;;) {
    const perGroup = Math.ceil(wanted / groups / INODES_PER_GROUP_ALIGN) * INODES_PER_GROUP_ALIGN;
    const inodesPerGroup = Math.min(MAX_INODES_PER_GROUP, Math.max(INODES_PER_GROUP_ALIGN, perGroup));
    if (inodesPerGroup * groups < usedInodes) {
      groups++;
      continue;
    }
    const { end: metaEnd, ...places } = placeGroupMetadata(dataEnd, groups, inodesPerGroup);
    let blocks = alignUp(sizing.size !== undefined ? Math.ceil(sizing.size / BLOCK_SIZE) : metaEnd + Math.ceil(freeBytes / BLOCK_SIZE));
    if (sizing.size !== undefined && blocks < metaEnd) {
      const need = alignUp(metaEnd) * BLOCK_SIZE;
      throw new DiagnosticError(
        createDiagnostic(ext4Codes.tooSmall, 'content', { need, mib: (need / 1048576).toFixed(0), size: sizing.size }),
      );
    }
    const groupsNeeded = Math.ceil(blocks / BLOCKS_PER_GROUP);
    if (groupsNeeded > groups) {
      groups = groupsNeeded;
      continue;
    }
    const gdtBlocks = Math.ceil((groups * GroupDescriptor.size) / BLOCK_SIZE);
    if (gdtBlocks > GDT_RESERVED) throw new DiagnosticError(createDiagnostic(ext4Codes.tooLarge, 'groups', { groups }));
    // Inodes can ask for more groups than the blocks reach: the image must still reach into the
    // last group, past its superblock copy if it holds one, or the group counts disagree.
    const lastGroup = groups - 1;
    const lastGroupEnd = lastGroup * BLOCKS_PER_GROUP + 1 + (hasSuperblockBackup(lastGroup) ? GDT_RESERVED + 1 : 0);
    if (lastGroup > 0 && blocks < lastGroupEnd) blocks = alignUp(lastGroupEnd);
    return { groups, blocks, inodesPerGroup, gdtBlocks, ...places };
  }
}
