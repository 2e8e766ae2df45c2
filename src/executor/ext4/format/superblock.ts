/**
 * The superblock (1024 bytes, at byte 1024 of group 0 and at the start of every backup group)
 * and the 32-byte group descriptors that follow it, with the feature flags and fixed values
 * cube writes.
 */
import { DX_HASH_HALF_MD4 } from './htree.js';
import { BLOCKS_PER_GROUP, EXTRA_ISIZE, FIRST_INODE, INODE_SIZE, LOG_BLOCK_SIZE } from './geometry.js';
import { bytes, hi32, lo16, lo32, Struct, u16, u32, u8 } from './struct.js';

/** `struct ext4_super_block`, the fields cube writes or checks. */
export const Superblock = new Struct('superblock', 1024, {
  inodesCount: u32(0x00),
  blocksCountLo: u32(0x04),
  reservedBlocksCountLo: u32(0x08),
  freeBlocksCountLo: u32(0x0c),
  freeInodesCount: u32(0x10),
  firstDataBlock: u32(0x14),
  logBlockSize: u32(0x18),
  logClusterSize: u32(0x1c),
  blocksPerGroup: u32(0x20),
  clustersPerGroup: u32(0x24),
  inodesPerGroup: u32(0x28),
  mountTime: u32(0x2c),
  writeTime: u32(0x30),
  mountCount: u16(0x34),
  maxMountCount: u16(0x36),
  magic: u16(0x38),
  state: u16(0x3a),
  errors: u16(0x3c),
  minorRevLevel: u16(0x3e),
  lastCheck: u32(0x40),
  checkInterval: u32(0x44),
  creatorOs: u32(0x48),
  revLevel: u32(0x4c),
  firstInode: u32(0x54),
  inodeSize: u16(0x58),
  blockGroupNumber: u16(0x5a),
  featureCompat: u32(0x5c),
  featureIncompat: u32(0x60),
  featureRoCompat: u32(0x64),
  uuid: bytes(0x68, 16),
  volumeName: bytes(0x78, 16),
  reservedGdtBlocks: u16(0xce),
  journalInode: u32(0xe0),
  hashSeed: bytes(0xec, 16),
  defaultHashVersion: u8(0xfc),
  journalBackupType: u8(0xfd),
  descriptorSize: u16(0xfe),
  defaultMountOptions: u32(0x100),
  mkfsTime: u32(0x108),
  /** `s_jnl_blocks[0..14]`: a copy of the journal inode's i_block. */
  journalBlocks: bytes(0x10c, 60),
  /** `s_jnl_blocks[15]`: the journal inode's i_size_high. */
  journalSizeHi: u32(0x148),
  /** `s_jnl_blocks[16]`: the journal inode's i_size. */
  journalSizeLo: u32(0x14c),
  blocksCountHi: u32(0x150),
  reservedBlocksCountHi: u32(0x154),
  freeBlocksCountHi: u32(0x158),
  minExtraIsize: u16(0x15c),
  wantExtraIsize: u16(0x15e),
  flags: u32(0x160),
  logGroupsPerFlex: u8(0x174),
  checksumType: u8(0x175),
  checksum: u32(0x3fc),
});

/** `s_magic`. */
export const SUPERBLOCK_MAGIC = 0xef53;
/** `s_state`: cleanly unmounted. */
const STATE_VALID = 1;
/** `s_errors`: continue on errors. */
const ERRORS_CONTINUE = 1;
/** `s_creator_os`: Linux. */
const CREATOR_OS_LINUX = 0;
/** `s_rev_level`: the dynamic revision (variable inode size, feature flags). */
const REV_DYNAMIC = 1;
/** `s_max_mnt_count` of -1: no forced check after a number of mounts. */
const NO_MAX_MOUNT_COUNT = 0xffff;
/** `s_jnl_backup_type`: `s_jnl_blocks` holds a copy of the journal inode's block map. */
const JOURNAL_BACKUP_BLOCKS = 1;
/** `s_checksum_type`: CRC-32C. */
const CHECKSUM_CRC32C = 1;

/** `s_feature_compat` bits. */
export const Compat = { hasJournal: 0x4, extAttr: 0x8, dirIndex: 0x20 } as const;
/** `s_feature_incompat` bits. */
export const Incompat = { filetype: 0x2, extents: 0x40, flexBg: 0x200 } as const;
/**
 * `s_feature_incompat` bits that change nothing cube's reader reads (names, inode numbers,
 * sizes, extents): with these, and the ones cube writes, an image made by mke2fs reads too.
 */
export const IncompatReadable = { recover: 0x4, bit64: 0x80, mmp: 0x100, eaInode: 0x400, csumSeed: 0x2000, largeDir: 0x4000, encrypt: 0x10000, casefold: 0x20000 } as const;
/** `s_feature_ro_compat` bits. */
export const RoCompat = { sparseSuper: 0x1, largeFile: 0x2, hugeFile: 0x8, dirNlink: 0x20, extraIsize: 0x40, metadataCsum: 0x400 } as const;
/** `s_default_mount_opts` bits. */
const DefaultMount = { userXattr: 0x4, acl: 0x8 } as const;
/** `s_flags` bits. */
const SuperblockFlag = { unsignedHash: 0x2 } as const;

/** Superblock fields that vary between images (and between copies: `groupNumber`). */
export interface SuperblockFields {
  readonly inodesCount: number;
  readonly blocksCount: number;
  readonly freeBlocks: number;
  readonly freeInodes: number;
  readonly inodesPerGroup: number;
  readonly timestamp: number;
  readonly uuid: Uint8Array;
  readonly label: string;
  readonly hashSeed: Uint8Array;
  readonly compat: number;
  readonly incompat: number;
  readonly roCompat: number;
  readonly journalInode: number;
  readonly logGroupsPerFlex: number;
  readonly groupNumber: number;
  /** The journal inode's i_block (60 bytes) and size, copied for e2fsck's journal recovery. */
  readonly journal?: { readonly iblock: Uint8Array; readonly size: number };
}

/** Encodes the 1024-byte superblock (checksum left 0 for the caller to fill). */
export function encodeSuperblock(f: SuperblockFields): Buffer {
  return Superblock.encode({
    inodesCount: f.inodesCount,
    blocksCountLo: lo32(f.blocksCount),
    blocksCountHi: hi32(f.blocksCount),
    freeBlocksCountLo: lo32(f.freeBlocks),
    freeBlocksCountHi: hi32(f.freeBlocks),
    freeInodesCount: f.freeInodes,
    // With 4 KiB blocks block 0 holds the superblock, so the first data block is 0.
    firstDataBlock: 0,
    logBlockSize: LOG_BLOCK_SIZE,
    logClusterSize: LOG_BLOCK_SIZE,
    blocksPerGroup: BLOCKS_PER_GROUP,
    clustersPerGroup: BLOCKS_PER_GROUP,
    inodesPerGroup: f.inodesPerGroup,
    mountTime: f.timestamp,
    writeTime: f.timestamp,
    lastCheck: f.timestamp,
    mkfsTime: f.timestamp,
    maxMountCount: NO_MAX_MOUNT_COUNT,
    magic: SUPERBLOCK_MAGIC,
    state: STATE_VALID,
    errors: ERRORS_CONTINUE,
    creatorOs: CREATOR_OS_LINUX,
    revLevel: REV_DYNAMIC,
    firstInode: FIRST_INODE,
    inodeSize: INODE_SIZE,
    blockGroupNumber: f.groupNumber,
    featureCompat: f.compat,
    featureIncompat: f.incompat,
    featureRoCompat: f.roCompat,
    uuid: f.uuid,
    volumeName: Buffer.from(f.label, 'utf8'),
    journalInode: f.journalInode,
    hashSeed: f.hashSeed,
    defaultHashVersion: DX_HASH_HALF_MD4,
    ...(f.journal
      ? { journalBackupType: JOURNAL_BACKUP_BLOCKS, journalBlocks: f.journal.iblock, journalSizeHi: hi32(f.journal.size), journalSizeLo: lo32(f.journal.size) }
      : {}),
    defaultMountOptions: DefaultMount.userXattr | DefaultMount.acl,
    minExtraIsize: EXTRA_ISIZE,
    wantExtraIsize: EXTRA_ISIZE,
    flags: SuperblockFlag.unsignedHash,
    logGroupsPerFlex: f.logGroupsPerFlex,
    ...(f.roCompat & RoCompat.metadataCsum ? { checksumType: CHECKSUM_CRC32C } : {}),
  });
}

/** `struct ext4_group_desc` in its 32-byte form (no 64bit feature). */
export const GroupDescriptor = new Struct('group descriptor', 32, {
  blockBitmapLo: u32(0x00),
  inodeBitmapLo: u32(0x04),
  inodeTableLo: u32(0x08),
  freeBlocksCountLo: u16(0x0c),
  freeInodesCountLo: u16(0x0e),
  usedDirsCountLo: u16(0x10),
  flags: u16(0x12),
  excludeBitmapLo: u32(0x14),
  blockBitmapChecksumLo: u16(0x18),
  inodeBitmapChecksumLo: u16(0x1a),
  inodeTableUnusedLo: u16(0x1c),
  checksum: u16(0x1e),
});

/**
 * The second half of a 64-byte group descriptor (the 64bit feature): the high words of the
 * block numbers. cube writes 32-byte descriptors; its reader reads images with either.
 */
export const GroupDescriptorHigh = new Struct('group descriptor, high half', 32, {
  blockBitmapHi: u32(0x00),
  inodeBitmapHi: u32(0x04),
  inodeTableHi: u32(0x08),
});

/** One group's descriptor values. */
export interface GroupDescriptorFields {
  readonly blockBitmap: number;
  readonly inodeBitmap: number;
  readonly inodeTable: number;
  readonly freeBlocks: number;
  readonly freeInodes: number;
  readonly usedDirs: number;
  readonly blockBitmapCsum?: number;
  readonly inodeBitmapCsum?: number;
}

/** Encodes a group descriptor into `b` at `offset` (its own checksum is filled by the caller when needed). */
export function encodeGroupDescriptor(d: GroupDescriptorFields, b: Buffer, offset: number): void {
  GroupDescriptor.write(b, offset, {
    blockBitmapLo: d.blockBitmap,
    inodeBitmapLo: d.inodeBitmap,
    inodeTableLo: d.inodeTable,
    freeBlocksCountLo: d.freeBlocks,
    freeInodesCountLo: d.freeInodes,
    usedDirsCountLo: d.usedDirs,
    flags: 0,
    blockBitmapChecksumLo: lo16(d.blockBitmapCsum ?? 0),
    inodeBitmapChecksumLo: lo16(d.inodeBitmapCsum ?? 0),
  });
}
