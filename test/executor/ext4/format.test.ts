/** The on-disk format tables and encoders: sizes, byte order, and encode/decode round trips with known answers. */
import { describe, expect, it } from 'vitest';
import {
  AclEntry,
  AclHeader,
  AclShortEntry,
  AclVfsEntry,
  bytes,
  Dirent,
  DirentTail,
  direntSize,
  DxCountLimit,
  DxEntry,
  DxRootInfo,
  DxTail,
  DX_ROOT_ENTRIES_OFFSET,
  DX_ROOT_INFO_OFFSET,
  encodeDevice,
  encodeDxRoot,
  encodeExtentIndex,
  encodeExtentLeaves,
  encodeInode,
  encodeJournalSuperblock,
  encodeSuperblock,
  EXTENT_MAGIC,
  ExtentHeader,
  ExtentIndex,
  ExtentLeaf,
  ExtentTail,
  GroupDescriptor,
  Inode,
  JBD2_MAGIC,
  JournalSuperblock,
  RoCompat,
  Struct,
  Superblock,
  timeFields,
  u16,
  u32,
  u8,
  XattrBlockHeader,
  XattrEntryHeader,
  XattrInodeHeader,
} from '../../../src/executor/ext4/format/index.js';
import type { Field } from '../../../src/executor/ext4/format/index.js';

/** Every table with the size of the structure it mirrors in the kernel's headers. */
const TABLES: readonly [Struct<Record<string, Field>>, number][] = [
  [Superblock, 1024],
  [GroupDescriptor, 32],
  [Inode, 256],
  [ExtentHeader, 12],
  [ExtentIndex, 12],
  [ExtentLeaf, 12],
  [ExtentTail, 4],
  [Dirent, 8],
  [DirentTail, 12],
  [DxRootInfo, 8],
  [DxCountLimit, 4],
  [DxEntry, 8],
  [DxTail, 8],
  [XattrBlockHeader, 32],
  [XattrInodeHeader, 4],
  [XattrEntryHeader, 16],
  [AclHeader, 4],
  [AclEntry, 8],
  [AclShortEntry, 4],
  [AclVfsEntry, 8],
  [JournalSuperblock, 1024],
];

/** A different value for every field, so a field written over another shows. */
function distinctValues(table: Struct<Record<string, Field>>): Record<string, number | Uint8Array> {
  const out: Record<string, number | Uint8Array> = {};
  Object.entries(table.fields).forEach(([key, field], i) => {
    if (field.type === 'bytes') out[key] = Buffer.alloc(field.length, i + 1);
    else if (field.type === 'u8') out[key] = (i * 37 + 1) & 0xff;
    else if (field.type === 'u16') out[key] = (i * 4099 + 1) & 0xffff;
    else out[key] = (i * 0x01020304 + 5) >>> 0;
  });
  return out;
}

describe('field tables', () => {
  it.each(TABLES.map(([table, size]) => [table.name, table, size] as const))('%s: size and a round trip of every field', (_, table, size) => {
    expect(table.size).toBe(size);
    const values = distinctValues(table);
    expect(table.read(table.encode(values))).toEqual(values);
  });

  it('refuse a field past the end of its structure, or over another field', () => {
    expect(() => new Struct('t', 4, { a: u32(1) })).toThrow(/t\.a ends at 5, past the structure's 4 bytes/);
    expect(() => new Struct('t', 8, { a: u32(0), b: u16(2) })).toThrow(/t\.b overlaps t\.a/);
    expect(() => new Struct('t', 8, { a: u8(0), b: bytes(1, 7) })).not.toThrow();
  });

  it('write little-endian, except jbd2, which is big-endian', () => {
    const magic = Superblock.offsetOf('magic');
    expect(Superblock.encode({ magic: 0xef53 }).subarray(magic, magic + 2)).toEqual(Buffer.from([0x53, 0xef]));
    expect(encodeJournalSuperblock(1024, Buffer.alloc(16)).subarray(0, 4)).toEqual(Buffer.from([0xc0, 0x3b, 0x39, 0x98]));
    expect(JournalSuperblock.get(encodeJournalSuperblock(1024, Buffer.alloc(16)), 0, 'magic')).toBe(JBD2_MAGIC);
  });

  it('cut a byte run that is too long and zero-pad one that is short', () => {
    const sb = encodeSuperblock({ ...SUPERBLOCK, label: 'a label longer than sixteen bytes' });
    expect(Superblock.get(sb, 0, 'volumeName').toString()).toBe('a label longer t');
    const short = encodeSuperblock({ ...SUPERBLOCK, label: 'root' });
    expect(Superblock.get(short, 0, 'volumeName')).toEqual(Buffer.from('root\0\0\0\0\0\0\0\0\0\0\0\0'));
  });
});

const T = { sec: 1_700_000_000, nsec: 5 };
const SUPERBLOCK = {
  inodesCount: 4096,
  blocksCount: 5 * 2 ** 32 + 7,
  freeBlocks: 2 ** 32 + 1,
  freeInodes: 100,
  inodesPerGroup: 4096,
  timestamp: 1_700_000_000,
  uuid: Buffer.alloc(16, 0xaa),
  label: 'rootfs',
  hashSeed: Buffer.alloc(16, 0xbb),
  compat: 0,
  incompat: 0,
  roCompat: RoCompat.metadataCsum,
  journalInode: 8,
  logGroupsPerFlex: 4,
  groupNumber: 3,
};

describe('encoders', () => {
  it('the superblock splits 64-bit counts into their lo and hi fields and keeps the journal block map', () => {
    const iblock = Buffer.from(Array.from({ length: 60 }, (_, i) => i));
    const sb = Superblock.read(encodeSuperblock({ ...SUPERBLOCK, journal: { iblock, size: 4 << 20 } }));
    expect([sb.blocksCountLo, sb.blocksCountHi, sb.freeBlocksCountLo, sb.freeBlocksCountHi]).toEqual([7, 5, 1, 1]);
    expect([sb.blockGroupNumber, sb.checksumType, sb.journalBackupType, sb.journalSizeLo, sb.journalSizeHi]).toEqual([3, 1, 1, 4 << 20, 0]);
    expect(sb.journalBlocks).toEqual(iblock);
    expect(sb.uuid).toEqual(SUPERBLOCK.uuid);
  });

  it.each([
    ['the epoch', 0, 0, 0, 0],
    ['a day before 1970', -86_400, 1, 0xfffeae80, 1 << 2],
    ['the last second of signed 32-bit time', 2 ** 31 - 1, 0, 0x7fffffff, 0],
    ['the first second after it (2038), epoch bits 1', 2 ** 31, 0, 0x80000000, 1],
    ['2100 with nanoseconds', 4_102_444_800, 999_999_999, 0xf4865700, ((999_999_999 << 2) | 1) >>> 0],
    ['before 1901, epoch bits 3 (-1)', -(2 ** 31) - 1, 0, 0x7fffffff, 3],
  ])('time fields: %s', (_, sec, nsec, lo, extra) => {
    expect(timeFields(sec, nsec)).toEqual({ lo, extra });
  });

  it('the inode splits 32-bit ids, 64-bit sizes and 48-bit block counts', () => {
    const iblock = Buffer.alloc(60, 7);
    const inode = Inode.read(
      encodeInode({ mode: 0o104755, uid: 4_000_000_000, gid: 70_000, size: 5 * 2 ** 32 + 3, atime: T, ctime: T, mtime: { sec: 2 ** 31, nsec: 9 }, links: 3, sectors: 2 ** 33 + 8, flags: 0x80000, block: iblock, xattrBlock: 77 }),
    );
    expect([inode.uidLo, inode.uidHi, inode.gidLo, inode.gidHi]).toEqual([4_000_000_000 & 0xffff, 4_000_000_000 >>> 16, 70_000 & 0xffff, 1]);
    expect([inode.sizeLo, inode.sizeHi, inode.blocksLo, inode.blocksHi]).toEqual([3, 5, 8, 2]);
    expect([inode.mtime, inode.mtimeExtra, inode.crtime, inode.crtimeExtra]).toEqual([0x80000000, (9 << 2) | 1, 0x80000000, (9 << 2) | 1]);
    expect([inode.mode, inode.linksCount, inode.fileAclLo, inode.extraIsize]).toEqual([0o104755, 3, 77, 32]);
    expect(inode.block).toEqual(iblock);
  });

  it('extent leaves and index entries, with block numbers over 32 bits', () => {
    const leaf = Buffer.alloc(60);
    encodeExtentLeaves(leaf, 4, [
      { logical: 0, start: 2 ** 32 + 10, len: 32768 },
      { logical: 32768, start: 99, len: 1 },
    ]);
    expect(ExtentHeader.read(leaf)).toEqual({ magic: EXTENT_MAGIC, entries: 2, max: 4, depth: 0, generation: 0 });
    expect(ExtentLeaf.read(leaf, 12)).toEqual({ block: 0, len: 32768, startHi: 1, startLo: 10 });
    expect(ExtentLeaf.read(leaf, 24)).toEqual({ block: 32768, len: 1, startHi: 0, startLo: 99 });
    const index = Buffer.alloc(60);
    encodeExtentIndex(index, 2, 4, [{ logical: 5, start: 3 * 2 ** 32 + 1 }]);
    expect(ExtentHeader.read(index)).toMatchObject({ entries: 1, depth: 2 });
    expect(ExtentIndex.read(index, 12)).toEqual({ block: 5, leafLo: 1, leafHi: 3, unused: 0 });
  });

  it.each([
    [1, 12],
    [2, 12],
    [4, 12],
    [5, 16],
    [8, 16],
    [255, 264],
  ])('a directory entry for a %i-byte name takes %i bytes', (length, size) => {
    expect(direntSize(length)).toBe(size);
  });

  it('a dx root: `.`, `..` spanning the block, the root info, then count/limit over entry 0', () => {
    const root = encodeDxRoot(12, 2, 1, 507, [
      { hash: 0, block: 1 },
      { hash: 0x80000000, block: 2 },
    ]);
    expect(Dirent.read(root, 0)).toEqual({ inode: 12, recLen: 12, nameLen: 1, fileType: 2 });
    expect(Dirent.read(root, 12)).toEqual({ inode: 2, recLen: 4096 - 12, nameLen: 2, fileType: 2 });
    expect(DxRootInfo.read(root, DX_ROOT_INFO_OFFSET)).toEqual({ reservedZero: 0, hashVersion: 1, infoLength: 8, indirectLevels: 1, unusedFlags: 0 });
    expect(DxCountLimit.read(root, DX_ROOT_ENTRIES_OFFSET)).toEqual({ limit: 507, count: 2 });
    expect(DxEntry.get(root, DX_ROOT_ENTRIES_OFFSET, 'block')).toBe(1);
    expect(DxEntry.read(root, DX_ROOT_ENTRIES_OFFSET + DxEntry.size)).toEqual({ hash: 0x80000000, block: 2 });
  });

  it.each([
    ['1:3, the old 8:8 form in word 0', 1, 3, 0x0103, 0],
    ['8:0', 8, 0, 0x0800, 0],
    ['259:70000, the new 12:20 form in word 1', 259, 70_000, 0, ((70_000 & 0xff) | (259 << 8) | ((70_000 & ~0xff) << 12)) >>> 0],
    ['1:256, a minor too big for the old form', 1, 256, 0, 0x100100],
  ])('device number %s', (_, major, minor, word0, word1) => {
    const block = encodeDevice(major, minor);
    expect([block.readUInt32LE(0), block.readUInt32LE(4)]).toEqual([word0, word1]);
  });
});
