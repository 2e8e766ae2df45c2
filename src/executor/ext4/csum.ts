/**
 * metadata_csum: CRC-32C checksums over every metadata structure, seeded from the filesystem
 * UUID (and, for per-inode structures, the inode number and generation), as the kernel and
 * e2fsprogs compute them. Each function fills the checksum field of a structure in place.
 */
import { crc32c, le32 } from './crc32c.js';
import { BLOCK_SIZE } from './format.js';

/** Offset of the 12-byte checksum entry that ends each directory block. */
export const DIR_TAIL = BLOCK_SIZE - 12;
/** Offset of the 4-byte checksum after a full extent tree block. */
export const EXTENT_TAIL = BLOCK_SIZE - 4;

/** Checksum state of one filesystem. */
export class Checksums {
  /** crc32c(~0, uuid): the seed of every metadata checksum. */
  readonly seed: number;

  constructor(uuid: Uint8Array) {
    this.seed = crc32c(0xffffffff, uuid);
  }

  /** The per-inode seed: the filesystem seed over the inode number and generation (0). */
  inodeSeed(ino: number): number {
    return crc32c(crc32c(this.seed, le32(ino)), le32(0));
  }

  /** Fills the inode's checksum (lo 16 bits at 0x7c, hi 16 bits at 0x82). */
  inode(ino: number, inode: Buffer): void {
    inode.writeUInt16LE(0, 0x7c);
    inode.writeUInt16LE(0, 0x82);
    const csum = crc32c(this.inodeSeed(ino), inode);
    inode.writeUInt16LE(csum & 0xffff, 0x7c);
    inode.writeUInt16LE(csum >>> 16, 0x82);
  }

  /** Fills the tail of an extent tree block owned by inode `ino`. */
  extentBlock(ino: number, block: Buffer): void {
    block.writeUInt32LE(crc32c(this.inodeSeed(ino), block.subarray(0, EXTENT_TAIL)), EXTENT_TAIL);
  }

  /** Writes the checksum entry at the end of a directory block owned by inode `ino`. */
  directoryBlock(ino: number, block: Buffer): void {
    block.writeUInt32LE(0, DIR_TAIL);
    block.writeUInt16LE(12, DIR_TAIL + 4);
    block.writeUInt8(0, DIR_TAIL + 6);
    block.writeUInt8(0xde, DIR_TAIL + 7);
    block.writeUInt32LE(crc32c(this.inodeSeed(ino), block.subarray(0, DIR_TAIL)), DIR_TAIL + 8);
  }

  /** Fills an xattr block's checksum (over its block number, then the block). */
  xattrBlock(blockNumber: number, block: Buffer): void {
    block.writeUInt32LE(0, 0x10);
    const number = Buffer.alloc(8);
    number.writeUInt32LE(blockNumber % 2 ** 32, 0);
    number.writeUInt32LE(Math.floor(blockNumber / 2 ** 32), 4);
    block.writeUInt32LE(crc32c(crc32c(this.seed, number), block), 0x10);
  }

  /** The low 16 bits of a bitmap's checksum, for its group descriptor. */
  bitmap(bytes: Uint8Array): number {
    return crc32c(this.seed, bytes) & 0xffff;
  }

  /** Fills a 32-byte group descriptor's checksum at 0x1e. */
  groupDescriptor(group: number, gdt: Buffer, offset: number): void {
    gdt.writeUInt16LE(0, offset + 0x1e);
    const csum = crc32c(crc32c(this.seed, le32(group)), gdt.subarray(offset, offset + 32));
    gdt.writeUInt16LE(csum & 0xffff, offset + 0x1e);
  }

  /** Fills the superblock's checksum at 0x3fc. */
  superblock(sb: Buffer): void {
    sb.writeUInt32LE(crc32c(0xffffffff, sb.subarray(0, 0x3fc)), 0x3fc);
  }
}
