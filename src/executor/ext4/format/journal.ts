/**
 * The jbd2 journal superblock, the first block of the journal inode. jbd2 is big-endian,
 * unlike the rest of ext4.
 */
import { BLOCK_SIZE } from './geometry.js';
import { bytes, Struct, u32, u8 } from './struct.js';

/** `journal_superblock_t` (with its `journal_header_t`), the fields cube writes or checks. */
export const JournalSuperblock = new Struct(
  'jbd2 superblock',
  1024,
  {
    magic: u32(0x00),
    blockType: u32(0x04),
    sequence: u32(0x08),
    blockSize: u32(0x0c),
    maxLength: u32(0x10),
    first: u32(0x14),
    firstSequence: u32(0x18),
    start: u32(0x1c),
    errno: u32(0x20),
    featureCompat: u32(0x24),
    featureIncompat: u32(0x28),
    featureRoCompat: u32(0x2c),
    uuid: bytes(0x30, 16),
    usersCount: u32(0x40),
    dynamicSuper: u32(0x44),
    maxTransaction: u32(0x48),
    maxTransactionData: u32(0x4c),
    checksumType: u8(0x50),
    checksum: u32(0xfc),
    users: bytes(0x100, 16 * 48),
  },
  'be',
);

/** `h_magic`. */
export const JBD2_MAGIC = 0xc03b3998;
/** `h_blocktype`: a version 2 superblock. */
export const JBD2_SUPERBLOCK_V2 = 4;
/** The first block of the log proper, right after the journal superblock. */
const JBD2_FIRST_LOG_BLOCK = 1;

/** The first block of an empty journal of `blocks` blocks for the filesystem `uuid`: its superblock, then zeros. */
export function encodeJournalSuperblock(blocks: number, uuid: Uint8Array): Buffer {
  const block = Buffer.alloc(BLOCK_SIZE);
  JournalSuperblock.write(block, 0, {
    magic: JBD2_MAGIC,
    blockType: JBD2_SUPERBLOCK_V2,
    blockSize: BLOCK_SIZE,
    maxLength: blocks,
    first: JBD2_FIRST_LOG_BLOCK,
    firstSequence: 1,
    // s_start 0: nothing to replay.
    start: 0,
    uuid,
    // One filesystem uses this journal: the one it lives in.
    usersCount: 1,
  });
  return block;
}
