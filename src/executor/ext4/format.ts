/**
 * ext4 on-disk structures, encoded into buffers: the superblock, 32-byte group descriptors,
 * 256-byte inodes, extent tree nodes, directory entries and extended attribute entries. Pure
 * functions of their inputs; the writer decides what goes where.
 */

/** Bytes per block. */
export const BLOCK_SIZE = 4096;
/** Blocks (and at most inodes) per block group. */
export const BLOCKS_PER_GROUP = 32768;
/** Bytes per inode. */
export const INODE_SIZE = 256;
/** `i_extra_isize`: the fixed part of the large inode cube fills. */
export const EXTRA_ISIZE = 32;
/** Inodes per inode-table block. */
export const INODES_PER_BLOCK = BLOCK_SIZE / INODE_SIZE;
/** The first inode not reserved by ext4. */
export const FIRST_INODE = 11;
export const ROOT_INODE = 2;
export const JOURNAL_INODE = 8;
/** Extents per block node: (block - header) / entry. */
export const EXTENTS_PER_BLOCK = Math.floor((BLOCK_SIZE - 12) / 12);
/** Longest initialised extent. */
export const MAX_EXTENT_LENGTH = 32768;

export const Compat = { hasJournal: 0x4, extAttr: 0x8, dirIndex: 0x20 } as const;
export const Incompat = { filetype: 0x2, extents: 0x40, flexBg: 0x200, csumSeed: 0x2000 } as const;
export const RoCompat = { sparseSuper: 0x1, largeFile: 0x2, hugeFile: 0x8, dirNlink: 0x20, extraIsize: 0x40, metadataCsum: 0x400 } as const;

/** Inode flags. */
export const InodeFlag = { index: 0x1000, extents: 0x80000 } as const;

/** File type bits of i_mode and the directory entry type codes. */
export const FileType = {
  file: { mode: 0o100000, dirent: 1 },
  dir: { mode: 0o040000, dirent: 2 },
  char: { mode: 0o020000, dirent: 3 },
  block: { mode: 0o060000, dirent: 4 },
  fifo: { mode: 0o010000, dirent: 5 },
  socket: { mode: 0o140000, dirent: 6 },
  symlink: { mode: 0o120000, dirent: 7 },
} as const;

/** Whether group `g` holds a superblock backup under sparse_super (0, 1, powers of 3, 5, 7). */
export function hasSuperblockBackup(g: number): boolean {
  if (g <= 1) return true;
  for (const base of [3, 5, 7]) {
    let n = base;
    while (n < g) n *= base;
    if (n === g) return true;
  }
  return false;
}

/** A physical extent of a file: `len` blocks at `start` holding logical blocks from `logical`. */
export interface Extent {
  readonly logical: number;
  readonly start: number;
  readonly len: number;
}

/** Superblock fields cube sets. */
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
  readonly journalBlocks?: readonly number[];
}

/** Encodes the 1024-byte superblock. */
export function encodeSuperblock(f: SuperblockFields): Buffer {
  const b = Buffer.alloc(1024);
  b.writeUInt32LE(f.inodesCount, 0x00);
  b.writeUInt32LE(f.blocksCount % 2 ** 32, 0x04);
  b.writeUInt32LE(f.freeBlocks % 2 ** 32, 0x0c);
  b.writeUInt32LE(f.freeInodes, 0x10);
  b.writeUInt32LE(0, 0x14); // first data block: 0 with 4 KiB blocks
  b.writeUInt32LE(2, 0x18); // log2(block size) - 10
  b.writeUInt32LE(2, 0x1c);
  b.writeUInt32LE(BLOCKS_PER_GROUP, 0x20);
  b.writeUInt32LE(BLOCKS_PER_GROUP, 0x24);
  b.writeUInt32LE(f.inodesPerGroup, 0x28);
  b.writeUInt32LE(f.timestamp, 0x2c); // mtime
  b.writeUInt32LE(f.timestamp, 0x30); // wtime
  b.writeUInt16LE(0, 0x34);
  b.writeUInt16LE(0xffff, 0x36); // no mount-count checks
  b.writeUInt16LE(0xef53, 0x38);
  b.writeUInt16LE(1, 0x3a); // clean
  b.writeUInt16LE(1, 0x3c); // errors: continue
  b.writeUInt32LE(f.timestamp, 0x40); // last check
  b.writeUInt32LE(0, 0x48); // Linux
  b.writeUInt32LE(1, 0x4c); // dynamic revision
  b.writeUInt32LE(FIRST_INODE, 0x54);
  b.writeUInt16LE(INODE_SIZE, 0x58);
  b.writeUInt16LE(f.groupNumber, 0x5a);
  b.writeUInt32LE(f.compat, 0x5c);
  b.writeUInt32LE(f.incompat, 0x60);
  b.writeUInt32LE(f.roCompat, 0x64);
  Buffer.from(f.uuid).copy(b, 0x68);
  Buffer.from(f.label, 'utf8').subarray(0, 16).copy(b, 0x78);
  b.writeUInt32LE(f.journalInode, 0xe0);
  Buffer.from(f.hashSeed).copy(b, 0xec);
  b.writeUInt8(1, 0xfc); // half_md4
  if (f.journalBlocks) {
    b.writeUInt8(1, 0xfd); // s_jnl_blocks holds a copy of the journal inode's i_block and size
    f.journalBlocks.forEach((v, i) => b.writeUInt32LE(v >>> 0, 0x10c + 4 * i));
  }
  b.writeUInt32LE(0x000c, 0x100); // default mount options: user_xattr, acl
  b.writeUInt32LE(f.timestamp, 0x108); // mkfs time
  b.writeUInt32LE(Math.floor(f.blocksCount / 2 ** 32), 0x150);
  b.writeUInt32LE(Math.floor(f.freeBlocks / 2 ** 32), 0x158);
  b.writeUInt16LE(EXTRA_ISIZE, 0x15c);
  b.writeUInt16LE(EXTRA_ISIZE, 0x15e);
  b.writeUInt32LE(0x2, 0x160); // unsigned directory hash
  b.writeUInt8(f.logGroupsPerFlex, 0x174);
  if (f.roCompat & RoCompat.metadataCsum) b.writeUInt8(1, 0x175); // crc32c
  return b;
}

/** One 32-byte group descriptor. */
export interface GroupDescriptor {
  readonly blockBitmap: number;
  readonly inodeBitmap: number;
  readonly inodeTable: number;
  readonly freeBlocks: number;
  readonly freeInodes: number;
  readonly usedDirs: number;
  readonly blockBitmapCsum?: number;
  readonly inodeBitmapCsum?: number;
}

/** Encodes a group descriptor into `b` at `offset` (checksum filled by the caller when needed). */
export function encodeGroupDescriptor(d: GroupDescriptor, b: Buffer, offset: number): void {
  b.writeUInt32LE(d.blockBitmap, offset);
  b.writeUInt32LE(d.inodeBitmap, offset + 4);
  b.writeUInt32LE(d.inodeTable, offset + 8);
  b.writeUInt16LE(d.freeBlocks, offset + 0x0c);
  b.writeUInt16LE(d.freeInodes, offset + 0x0e);
  b.writeUInt16LE(d.usedDirs, offset + 0x10);
  b.writeUInt16LE(0, offset + 0x12);
  b.writeUInt16LE((d.blockBitmapCsum ?? 0) & 0xffff, offset + 0x18);
  b.writeUInt16LE((d.inodeBitmapCsum ?? 0) & 0xffff, offset + 0x1a);
}

/** A timestamp split into ext4's seconds field and extra field (nanoseconds and epoch bits). */
export function timeFields(sec: number, nsec: number): { lo: number; extra: number } {
  const epoch = Math.floor((sec + 2 ** 31) / 2 ** 32);
  const lo = sec - epoch * 2 ** 32;
  return { lo: lo >>> 0, extra: ((nsec << 2) | (epoch & 3)) >>> 0 };
}

/** The fields of one inode. */
export interface InodeFields {
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  readonly atime: { sec: number; nsec: number };
  readonly ctime: { sec: number; nsec: number };
  readonly mtime: { sec: number; nsec: number };
  readonly links: number;
  /** 512-byte sectors used. */
  readonly sectors: number;
  readonly flags: number;
  readonly block: Buffer;
  readonly xattrBlock: number;
  /** In-inode extended attributes (the area after the extra fields), if any. */
  readonly inlineXattrs?: Buffer;
}

/** Encodes a 256-byte inode. */
export function encodeInode(f: InodeFields): Buffer {
  const b = Buffer.alloc(INODE_SIZE);
  b.writeUInt16LE(f.mode & 0xffff, 0x00);
  b.writeUInt16LE(f.uid & 0xffff, 0x02);
  b.writeUInt32LE(f.size % 2 ** 32, 0x04);
  const a = timeFields(f.atime.sec, f.atime.nsec);
  const c = timeFields(f.ctime.sec, f.ctime.nsec);
  const m = timeFields(f.mtime.sec, f.mtime.nsec);
  b.writeUInt32LE(a.lo, 0x08);
  b.writeUInt32LE(c.lo, 0x0c);
  b.writeUInt32LE(m.lo, 0x10);
  b.writeUInt16LE(f.gid & 0xffff, 0x18);
  b.writeUInt16LE(f.links, 0x1a);
  b.writeUInt32LE(f.sectors % 2 ** 32, 0x1c);
  b.writeUInt32LE(f.flags, 0x20);
  f.block.copy(b, 0x28, 0, 60);
  b.writeUInt32LE(f.xattrBlock, 0x68);
  b.writeUInt32LE(Math.floor(f.size / 2 ** 32), 0x6c);
  b.writeUInt16LE(Math.floor(f.sectors / 2 ** 32) & 0xffff, 0x74);
  b.writeUInt16LE((f.uid >>> 16) & 0xffff, 0x78);
  b.writeUInt16LE((f.gid >>> 16) & 0xffff, 0x7a);
  b.writeUInt16LE(EXTRA_ISIZE, 0x80);
  b.writeUInt32LE(c.extra, 0x84);
  b.writeUInt32LE(m.extra, 0x88);
  b.writeUInt32LE(a.extra, 0x8c);
  b.writeUInt32LE(m.lo, 0x90); // creation time: the modification time, as tar carries no birth time
  b.writeUInt32LE(m.extra, 0x94);
  if (f.inlineXattrs) f.inlineXattrs.copy(b, 128 + EXTRA_ISIZE);
  return b;
}

/** Encodes an extent tree node (header + entries) into `b`. `entries` are extents (depth 0) or index entries. */
export function encodeExtentNode(b: Buffer, depth: number, max: number, entries: readonly { logical: number; start: number; len?: number }[]): void {
  b.writeUInt16LE(0xf30a, 0);
  b.writeUInt16LE(entries.length, 2);
  b.writeUInt16LE(max, 4);
  b.writeUInt16LE(depth, 6);
  b.writeUInt32LE(0, 8);
  entries.forEach((e, i) => {
    const o = 12 + 12 * i;
    b.writeUInt32LE(e.logical, o);
    if (depth === 0) {
      b.writeUInt16LE(e.len as number, o + 4);
      b.writeUInt16LE(Math.floor(e.start / 2 ** 32), o + 6);
      b.writeUInt32LE(e.start % 2 ** 32, o + 8);
    } else {
      b.writeUInt32LE(e.start % 2 ** 32, o + 4);
      b.writeUInt16LE(Math.floor(e.start / 2 ** 32), o + 8);
      b.writeUInt16LE(0, o + 10);
    }
  });
}

/** Size of a directory entry with a name of `nameLength` bytes. */
export function direntSize(nameLength: number): number {
  return (8 + nameLength + 3) & ~3;
}

/** Encodes one directory entry at `offset` with the given record length. */
export function encodeDirent(b: Buffer, offset: number, inode: number, recLen: number, name: Buffer, type: number): void {
  b.writeUInt32LE(inode, offset);
  b.writeUInt16LE(recLen, offset + 4);
  b.writeUInt8(name.length, offset + 6);
  b.writeUInt8(type, offset + 7);
  name.copy(b, offset + 8);
}
