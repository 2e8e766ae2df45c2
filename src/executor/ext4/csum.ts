/**
 * metadata_csum: CRC-32C checksums over every metadata structure, seeded from the filesystem
 * UUID (and, for per-inode structures, the inode number and generation), as the kernel and
 * e2fsprogs compute them. Each function fills the checksum field of a structure in place.
 */
import { CRC32C_INIT, crc32c, le32 } from './crc32c.js';
import {
  DIRENT_TAIL_OFFSET,
  DirentTail,
  DxEntry,
  DxTail,
  dxTailOffset,
  encodeDirentTail,
  EXTENT_TAIL_OFFSET,
  ExtentTail,
  GroupDescriptor,
  hi16,
  hi32,
  Inode,
  lo16,
  lo32,
  Superblock,
  XattrBlockHeader,
} from './format/index.js';

/** The checksum field of a dx tail is hashed as zeros. */
const ZERO_CHECKSUM = Buffer.alloc(DxTail.size - DxTail.offsetOf('checksum'));

/** Checksum state of one filesystem. */
export class Checksums {
  /** crc32c(~0, uuid): the seed of every metadata checksum. */
  readonly seed: number;

  constructor(uuid: Uint8Array) {
    this.seed = crc32c(CRC32C_INIT, uuid);
  }

  /** The per-inode seed: the filesystem seed over the inode number and generation (0). */
  inodeSeed(ino: number): number {
    return crc32c(crc32c(this.seed, le32(ino)), le32(0));
  }

  /** Fills the inode's checksum (split over `checksumLo` and `checksumHi`). */
  inode(ino: number, inode: Buffer): void {
    Inode.write(inode, 0, { checksumLo: 0, checksumHi: 0 });
    const csum = crc32c(this.inodeSeed(ino), inode);
    Inode.write(inode, 0, { checksumLo: lo16(csum), checksumHi: hi16(csum) });
  }

  /** Fills the tail of an extent tree block owned by inode `ino`. */
  extentBlock(ino: number, block: Buffer): void {
    ExtentTail.set(block, EXTENT_TAIL_OFFSET, 'checksum', crc32c(this.inodeSeed(ino), block.subarray(0, EXTENT_TAIL_OFFSET)));
  }

  /** Writes the checksum tail at the end of a directory block owned by inode `ino`. */
  directoryBlock(ino: number, block: Buffer): void {
    encodeDirentTail(block);
    DirentTail.set(block, DIRENT_TAIL_OFFSET, 'checksum', crc32c(this.inodeSeed(ino), block.subarray(0, DIRENT_TAIL_OFFSET)));
  }

  /**
   * Fills the dx tail of an htree index block of inode `ino` whose `count` entries start at
   * `entriesOffset` with room for `limit`: the checksum covers the block up to the last used
   * entry, then the tail with its checksum field as zeros.
   */
  dxBlock(ino: number, block: Buffer, entriesOffset: number, limit: number, count: number): void {
    const tail = dxTailOffset(entriesOffset, limit);
    DxTail.set(block, tail, 'reserved', 0);
    let c = crc32c(this.inodeSeed(ino), block.subarray(0, entriesOffset + count * DxEntry.size));
    c = crc32c(c, block.subarray(tail, tail + DxTail.offsetOf('checksum')));
    c = crc32c(c, ZERO_CHECKSUM);
    DxTail.set(block, tail, 'checksum', c);
  }

  /** Fills an xattr block's checksum (over its 64-bit block number, then the block). */
  xattrBlock(blockNumber: number, block: Buffer): void {
    XattrBlockHeader.set(block, 0, 'checksum', 0);
    const number = Buffer.alloc(8);
    number.writeUInt32LE(lo32(blockNumber), 0);
    number.writeUInt32LE(hi32(blockNumber), 4);
    XattrBlockHeader.set(block, 0, 'checksum', crc32c(crc32c(this.seed, number), block));
  }

  /** The low 16 bits of a bitmap's checksum, for its group descriptor. */
  bitmap(bytes: Uint8Array): number {
    return lo16(crc32c(this.seed, bytes));
  }

  /** Fills the checksum of the group descriptor for `group` at `offset` in `gdt`. */
  groupDescriptor(group: number, gdt: Buffer, offset: number): void {
    GroupDescriptor.set(gdt, offset, 'checksum', 0);
    const csum = crc32c(crc32c(this.seed, le32(group)), gdt.subarray(offset, offset + GroupDescriptor.size));
    GroupDescriptor.set(gdt, offset, 'checksum', lo16(csum));
  }

  /** Fills the superblock's checksum: over everything before the checksum field. */
  superblock(sb: Buffer): void {
    Superblock.set(sb, 0, 'checksum', crc32c(CRC32C_INIT, sb.subarray(0, Superblock.offsetOf('checksum'))));
  }
}
