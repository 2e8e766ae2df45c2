/**
 * An empty jbd2 journal for `SEAL ext4 journal`: inode 8 with a version 2 journal superblock in
 * its first block and nothing to replay (s_start 0). The rest of the journal is left as holes.
 */
import { BLOCK_SIZE } from './format.js';

/** Journal length in blocks for a filesystem of about `blocks` blocks, as mke2fs sizes it. */
export function journalBlocksFor(blocks: number): number {
  if (blocks < 32768) return 1024;
  if (blocks < 262144) return 4096;
  if (blocks < 524288) return 8192;
  return 16384;
}

/** The journal superblock (big-endian, as jbd2 stores it). */
export function journalSuperblock(blocks: number, uuid: Uint8Array): Buffer {
  const b = Buffer.alloc(BLOCK_SIZE);
  b.writeUInt32BE(0xc03b3998, 0x0);
  b.writeUInt32BE(4, 0x4); // superblock v2
  b.writeUInt32BE(BLOCK_SIZE, 0xc);
  b.writeUInt32BE(blocks, 0x10);
  b.writeUInt32BE(1, 0x14); // first log block
  b.writeUInt32BE(1, 0x18); // first expected sequence
  b.writeUInt32BE(0, 0x1c); // s_start 0: the journal is empty
  Buffer.from(uuid).copy(b, 0x30);
  b.writeUInt32BE(1, 0x40); // one user: this filesystem
  return b;
}
