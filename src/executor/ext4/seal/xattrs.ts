/**
 * One file's extended attributes as ext4 stores them: names split into a name index and a
 * suffix, sorted as ext4 keeps them, in the inode's spare space when they fit, else in one xattr
 * block. POSIX ACLs arrive in the VFS xattr format and are stored in ext4's own, shorter format.
 */
import {
  ACL_EXT4_VERSION,
  ACL_VFS_VERSION,
  AclEntry,
  AclHeader,
  AclShortEntry,
  AclTag,
  AclVfsEntry,
  BLOCK_SIZE,
  INLINE_XATTR_SIZE,
  XATTR_BLOCK_HASH_SHIFT,
  XATTR_MAGIC,
  XATTR_NAME_HASH_SHIFT,
  XATTR_NO_PREFIX,
  XATTR_TERMINATOR_SIZE,
  XATTR_VALUE_HASH_SHIFT,
  XattrBlockHeader,
  XattrEntryHeader,
  XattrIndex,
  XattrInodeHeader,
  xattrPad,
} from '../format/index.js';

/** One attribute split into ext4's name index and suffix. */
export interface XattrEntry {
  readonly index: number;
  readonly name: Buffer;
  readonly value: Buffer;
}

/** Converts a VFS POSIX ACL value (version 2) to ext4's on-disk format (version 1); anything else is kept as it is. */
export function aclToDisk(value: Uint8Array): Buffer {
  const v = Buffer.from(value);
  if (v.length < AclHeader.size || AclHeader.get(v, 0, 'version') !== ACL_VFS_VERSION || (v.length - AclHeader.size) % AclVfsEntry.size !== 0) return v;
  const parts: Buffer[] = [AclHeader.encode({ version: ACL_EXT4_VERSION })];
  for (let o = AclHeader.size; o < v.length; o += AclVfsEntry.size) {
    const { tag, perm, id } = AclVfsEntry.read(v, o);
    // Only USER and GROUP entries name someone; the others are stored without an id.
    if (tag === AclTag.user || tag === AclTag.group) parts.push(AclEntry.encode({ tag, perm, id }));
    else parts.push(AclShortEntry.encode({ tag, perm }));
  }
  return Buffer.concat(parts);
}

/** The name index and prefix for a full attribute name (`system.` last: the ACL names are under it). */
function indexOf(full: string): { index: number; prefix: string } {
  for (const { index, prefix } of Object.values(XattrIndex)) {
    if (prefix.endsWith('.') ? full.startsWith(prefix) : full === prefix) return { index, prefix };
  }
  return { index: XATTR_NO_PREFIX, prefix: '' };
}

/** Splits full attribute names into entries, sorted as ext4 keeps them (index, name length, name). */
export function xattrEntries(xattrs: ReadonlyMap<string, Uint8Array>): XattrEntry[] {
  const out: XattrEntry[] = [];
  for (const [full, value] of xattrs) {
    const { index, prefix } = indexOf(full);
    const isAcl = index === XattrIndex.posixAclAccess.index || index === XattrIndex.posixAclDefault.index;
    out.push({ index, name: Buffer.from(full.slice(prefix.length), 'utf8'), value: isAcl ? aclToDisk(value) : Buffer.from(value) });
  }
  return out.sort((a, b) => a.index - b.index || a.name.length - b.name.length || Buffer.compare(a.name, b.name));
}

/** The ext4 hash of one entry: its name as signed chars, then its value as 32-bit words. */
export function entryHash(e: XattrEntry): number {
  let hash = 0;
  for (const c of e.name) hash = ((hash << XATTR_NAME_HASH_SHIFT) ^ (hash >>> (32 - XATTR_NAME_HASH_SHIFT)) ^ (c > 127 ? c - 256 : c)) >>> 0;
  const padded = Buffer.alloc(xattrPad(e.value.length));
  e.value.copy(padded);
  for (let o = 0; o < padded.length; o += 4) hash = ((hash << XATTR_VALUE_HASH_SHIFT) ^ (hash >>> (32 - XATTR_VALUE_HASH_SHIFT)) ^ padded.readUInt32LE(o)) >>> 0;
  return hash;
}

function entrySize(e: XattrEntry): number {
  return xattrPad(XattrEntryHeader.size + e.name.length);
}

/** Bytes the entries need in an area (entries, the terminator, padded values). */
function areaSize(entries: readonly XattrEntry[]): number {
  return entries.reduce((n, e) => n + entrySize(e) + xattrPad(e.value.length), XATTR_TERMINATOR_SIZE);
}

/**
 * Lays entries out from `entriesAt` in `area`, values packed from its end. Value offsets count
 * from `valueBase`: the first entry in an inode, the block start in a block.
 */
function encodeArea(entries: readonly XattrEntry[], area: Buffer, entriesAt: number, valueBase: number): void {
  let entryOffset = entriesAt;
  let valueEnd = area.length;
  for (const e of entries) {
    valueEnd -= xattrPad(e.value.length);
    e.value.copy(area, valueEnd);
    XattrEntryHeader.write(area, entryOffset, {
      nameLen: e.name.length,
      nameIndex: e.index,
      valueOffset: valueEnd - valueBase,
      valueInode: 0,
      valueSize: e.value.length,
      hash: entryHash(e),
    });
    e.name.copy(area, entryOffset + XattrEntryHeader.size);
    entryOffset += entrySize(e);
  }
}

/** The in-inode area (header + entries + values), or undefined when the entries do not fit. */
export function encodeInline(entries: readonly XattrEntry[]): Buffer | undefined {
  const body = INLINE_XATTR_SIZE - XattrInodeHeader.size;
  if (areaSize(entries) > body) return undefined;
  const area = Buffer.alloc(INLINE_XATTR_SIZE);
  XattrInodeHeader.write(area, 0, { magic: XATTR_MAGIC });
  encodeArea(entries, area.subarray(XattrInodeHeader.size), 0, 0);
  return area;
}

/** An xattr block, or undefined when the entries do not fit in one block. */
export function encodeBlock(entries: readonly XattrEntry[]): Buffer | undefined {
  if (areaSize(entries) + XattrBlockHeader.size > BLOCK_SIZE) return undefined;
  const block = Buffer.alloc(BLOCK_SIZE);
  let hash = 0;
  for (const e of entries) hash = ((hash << XATTR_BLOCK_HASH_SHIFT) ^ (hash >>> (32 - XATTR_BLOCK_HASH_SHIFT)) ^ entryHash(e)) >>> 0;
  // Each block belongs to one inode: cube does not share identical attribute blocks.
  XattrBlockHeader.write(block, 0, { magic: XATTR_MAGIC, refcount: 1, blocks: 1, hash });
  encodeArea(entries, block, XattrBlockHeader.size, 0);
  return block;
}
