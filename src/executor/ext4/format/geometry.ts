/**
 * The shape of every image cube writes: 4 KiB blocks, one-block bitmaps (so 32768 blocks per
 * group), 256-byte inodes, the reserved inode numbers, and which groups carry superblock backups.
 */

/** Bytes per block. */
export const BLOCK_SIZE = 4096;
/** `s_log_block_size`: the block size as log2(size) - 10. */
export const LOG_BLOCK_SIZE = Math.log2(BLOCK_SIZE) - 10;
/** Blocks per block group: one bit per block in a one-block bitmap. */
export const BLOCKS_PER_GROUP = BLOCK_SIZE * 8;
/** Inodes per group can be at most one bit per inode in a one-block bitmap. */
export const MAX_INODES_PER_GROUP = BLOCK_SIZE * 8;
/** Inodes per group come in whole inode-bitmap bytes of whole inode-table blocks: a multiple of 16. */
export const INODES_PER_GROUP_ALIGN = 16;
/** Bytes per inode. */
export const INODE_SIZE = 256;
/** Bytes of the original (ext2) inode; the extra fields and in-inode attributes follow. */
export const GOOD_OLD_INODE_SIZE = 128;
/** `i_extra_isize`: the part of the large inode after the first 128 bytes that cube fills. */
export const EXTRA_ISIZE = 32;
/** Inodes per inode-table block. */
export const INODES_PER_BLOCK = BLOCK_SIZE / INODE_SIZE;
/** Byte offset of the primary superblock (group 0's first block holds the boot sector before it). */
export const SUPERBLOCK_OFFSET = 1024;

/** The root directory's inode. */
export const ROOT_INODE = 2;
/** The journal's inode. */
export const JOURNAL_INODE = 8;
/** The first inode not reserved by ext4: everything cube numbers starts here. */
export const FIRST_INODE = 11;

/** Whether group `g` holds a superblock backup under sparse_super (0, 1, and powers of 3, 5 and 7). */
export function hasSuperblockBackup(g: number): boolean {
  if (g <= 1) return true;
  for (const base of [3, 5, 7]) {
    let n = base;
    while (n < g) n *= base;
    if (n === g) return true;
  }
  return false;
}
