/**
 * Extended attribute storage: a list of 16-byte entries (each followed by its name) growing
 * down from the start of an area, their values packed up from its end. The area is either the
 * inode's spare space (after a 4-byte magic) or a whole block (after a 32-byte header). Also the
 * name indexes that replace well-known prefixes, the entry hashes, and ext4's POSIX ACL format.
 */
import { Struct, u16, u32, u8 } from './struct.js';

/** `struct ext4_xattr_header`: the start of an xattr block. */
export const XattrBlockHeader = new Struct('xattr block header', 32, {
  magic: u32(0x00),
  refcount: u32(0x04),
  blocks: u32(0x08),
  hash: u32(0x0c),
  checksum: u32(0x10),
});

/** `struct ext4_xattr_ibody_header`: the start of the in-inode area. */
export const XattrInodeHeader = new Struct('xattr in-inode header', 4, { magic: u32(0) });

/** `struct ext4_xattr_entry`, without its name, which follows. */
export const XattrEntryHeader = new Struct('xattr entry', 16, {
  nameLen: u8(0),
  nameIndex: u8(1),
  valueOffset: u16(2),
  valueInode: u32(4),
  valueSize: u32(8),
  hash: u32(12),
});

/** `h_magic` and the in-inode magic. */
export const XATTR_MAGIC = 0xea020000;
/** Entries and values are padded to 4 bytes. */
const XATTR_PAD = 4;
/** The 4 zero bytes that end an entry list. */
export const XATTR_TERMINATOR_SIZE = 4;
/** Rotation of an entry's hash per character of its name. */
export const XATTR_NAME_HASH_SHIFT = 5;
/** Rotation of an entry's hash per 32-bit word of its value. */
export const XATTR_VALUE_HASH_SHIFT = 16;
/** Rotation of a block's hash per entry hash. */
export const XATTR_BLOCK_HASH_SHIFT = 16;

/** Name indexes: the prefix each stands for (the two ACL names are whole names, not prefixes). */
export const XattrIndex = {
  user: { index: 1, prefix: 'user.' },
  posixAclAccess: { index: 2, prefix: 'system.posix_acl_access' },
  posixAclDefault: { index: 3, prefix: 'system.posix_acl_default' },
  trusted: { index: 4, prefix: 'trusted.' },
  security: { index: 6, prefix: 'security.' },
  system: { index: 7, prefix: 'system.' },
} as const;
/** The index of a name kept whole, with no prefix taken off. */
export const XATTR_NO_PREFIX = 0;

/** Pads a length to the next multiple of 4. */
export function xattrPad(length: number): number {
  return (length + XATTR_PAD - 1) & ~(XATTR_PAD - 1);
}

/** `posix_acl_xattr_header.a_version`: the VFS (user space) format. */
export const ACL_VFS_VERSION = 2;
/** `ext4_acl_header.a_version`: ext4's on-disk format. */
export const ACL_EXT4_VERSION = 1;
/** ACL entry tags; only USER and GROUP entries carry an id. */
export const AclTag = { userObj: 0x01, user: 0x02, groupObj: 0x04, group: 0x08, mask: 0x10, other: 0x20 } as const;

/** `posix_acl_xattr_entry` (VFS): every entry carries an id. */
export const AclVfsEntry = new Struct('VFS ACL entry', 8, { tag: u16(0), perm: u16(2), id: u32(4) });
/** `ext4_acl_entry`: an entry with an id. */
export const AclEntry = new Struct('ext4 ACL entry', 8, { tag: u16(0), perm: u16(2), id: u32(4) });
/** `ext4_acl_entry_short`: an entry without one. */
export const AclShortEntry = new Struct('ext4 short ACL entry', 4, { tag: u16(0), perm: u16(2) });
/** The 4-byte version header of both ACL formats. */
export const AclHeader = new Struct('ACL header', 4, { version: u32(0) });
