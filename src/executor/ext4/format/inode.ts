/**
 * The 256-byte inode: the ext2 fields, the large-inode extra fields (nanosecond and post-2038
 * times, checksum high half) and the in-inode attribute area after them; with the file type
 * bits, inode flags, and the forms i_block takes (extent root, fast symlink, device number).
 */
import { BLOCK_SIZE, EXTRA_ISIZE, GOOD_OLD_INODE_SIZE, INODE_SIZE } from './geometry.js';
import { bytes, hi16, hi32, lo16, lo32, Struct, u16, u32 } from './struct.js';

/** Bytes of `i_block`: the extent root, a fast symlink's target, or a device number. */
export const I_BLOCK_SIZE = 60;
/** Bytes after the extra fields that hold in-inode extended attributes. */
export const INLINE_XATTR_SIZE = INODE_SIZE - GOOD_OLD_INODE_SIZE - EXTRA_ISIZE;

/** `struct ext4_inode` with cube's 32 bytes of extra fields, then the in-inode attribute area. */
export const Inode = new Struct('inode', INODE_SIZE, {
  mode: u16(0x00),
  uidLo: u16(0x02),
  sizeLo: u32(0x04),
  atime: u32(0x08),
  ctime: u32(0x0c),
  mtime: u32(0x10),
  dtime: u32(0x14),
  gidLo: u16(0x18),
  linksCount: u16(0x1a),
  blocksLo: u32(0x1c),
  flags: u32(0x20),
  version: u32(0x24),
  block: bytes(0x28, I_BLOCK_SIZE),
  generation: u32(0x64),
  fileAclLo: u32(0x68),
  sizeHi: u32(0x6c),
  blocksHi: u16(0x74),
  fileAclHi: u16(0x76),
  uidHi: u16(0x78),
  gidHi: u16(0x7a),
  checksumLo: u16(0x7c),
  extraIsize: u16(0x80),
  checksumHi: u16(0x82),
  ctimeExtra: u32(0x84),
  mtimeExtra: u32(0x88),
  atimeExtra: u32(0x8c),
  crtime: u32(0x90),
  crtimeExtra: u32(0x94),
  versionHi: u32(0x98),
  projectId: u32(0x9c),
  inlineXattrs: bytes(GOOD_OLD_INODE_SIZE + EXTRA_ISIZE, INLINE_XATTR_SIZE),
});

/** `i_flags` bits. */
export const InodeFlag = { index: 0x1000, hugeFile: 0x40000, extents: 0x80000, inlineData: 0x10000000 } as const;

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

/** The permission bits of i_mode (setuid, setgid, sticky, rwx). */
export const PERMISSION_BITS = 0o7777;
/** The highest link count ext4 stores; a directory with more subdirectories gets dir_nlink's 1. */
export const LINK_MAX = 65000;
/** The link count dir_nlink gives a directory whose count would pass LINK_MAX: "many, not counted". */
export const DIR_NLINK_OVERFLOW = 1;
/** The longest symlink target kept in i_block ("fast"); longer targets get a data block. */
export const FAST_SYMLINK_MAX = I_BLOCK_SIZE - 1;
/** Bytes per `i_blocks` unit. */
export const SECTOR_SIZE = 512;
/** The longest symlink target: one block less the NUL Linux ends it with. */
export const SYMLINK_MAX = BLOCK_SIZE - 1;
/** The largest file (Linux's s_maxbytes for extent-mapped files): extents address 2^32 - 1 logical blocks. */
export const MAX_FILE_SIZE = (2 ** 32 - 1) * BLOCK_SIZE;
/** The largest device major and minor numbers: the new encoding's 12 and 20 bits, as Linux's dev_t. */
export const DEVICE_MAJOR_MAX = 0xfff;
export const DEVICE_MINOR_MAX = 0xfffff;

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

/** Encodes a 256-byte inode (checksum left 0 for the caller to fill). */
export function encodeInode(f: InodeFields): Buffer {
  const a = timeFields(f.atime.sec, f.atime.nsec);
  const c = timeFields(f.ctime.sec, f.ctime.nsec);
  const m = timeFields(f.mtime.sec, f.mtime.nsec);
  return Inode.encode({
    mode: lo16(f.mode),
    uidLo: lo16(f.uid),
    uidHi: hi16(f.uid),
    gidLo: lo16(f.gid),
    gidHi: hi16(f.gid),
    sizeLo: lo32(f.size),
    sizeHi: hi32(f.size),
    atime: a.lo,
    atimeExtra: a.extra,
    ctime: c.lo,
    ctimeExtra: c.extra,
    mtime: m.lo,
    mtimeExtra: m.extra,
    // Tar carries no birth time: creation is the modification time.
    crtime: m.lo,
    crtimeExtra: m.extra,
    linksCount: f.links,
    blocksLo: lo32(f.sectors),
    blocksHi: lo16(hi32(f.sectors)),
    flags: f.flags,
    block: f.block,
    fileAclLo: f.xattrBlock,
    extraIsize: EXTRA_ISIZE,
    inlineXattrs: f.inlineXattrs,
  });
}

/** i_block of a device node: the old 8:8 form in word 0 when both numbers fit, else the new 12:20 form in word 1. */
const DeviceNumber = new Struct('device number', I_BLOCK_SIZE, { old: u32(0), new: u32(4) });

/** The i_block of a character or block device. */
export function encodeDevice(major: number, minor: number): Buffer {
  if (major < 256 && minor < 256) return DeviceNumber.encode({ old: (major << 8) | minor });
  return DeviceNumber.encode({ new: ((minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12)) >>> 0 });
}
