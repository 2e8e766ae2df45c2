/**
 * Extended attributes as ext4 stores them: entries with a name index (`user.` is 1,
 * `system.posix_acl_access` 2, `system.posix_acl_default` 3, `trusted.` 4, `security.` 6,
 * `system.` 7), in the inode's spare space when they fit, else in one xattr block. POSIX ACLs
 * arrive in the VFS xattr format and are stored in ext4's own, shorter format.
 */
import { BLOCK_SIZE, EXTRA_ISIZE, INODE_SIZE } from './format.js';

const PREFIXES: readonly [string, number][] = [
  ['system.posix_acl_access', 2],
  ['system.posix_acl_default', 3],
  ['user.', 1],
  ['trusted.', 4],
  ['security.', 6],
  ['system.', 7],
];

/** One attribute split into ext4's name index and suffix. */
export interface XattrEntry {
  readonly index: number;
  readonly name: Buffer;
  readonly value: Buffer;
}

const MAGIC = 0xea020000;
/** Space for in-inode attributes: after the extra fields, minus the 4-byte magic. */
export const INLINE_SPACE = INODE_SIZE - 128 - EXTRA_ISIZE;

/** Converts a VFS POSIX ACL value (version 2) to ext4's on-disk format (version 1). */
export function aclToDisk(value: Uint8Array): Buffer {
  const v = Buffer.from(value);
  if (v.length < 4 || v.readUInt32LE(0) !== 2 || (v.length - 4) % 8 !== 0) return v;
  const parts: Buffer[] = [Buffer.from([1, 0, 0, 0])];
  for (let o = 4; o < v.length; o += 8) {
    const tag = v.readUInt16LE(o);
    const perm = v.readUInt16LE(o + 2);
    const id = v.readUInt32LE(o + 4);
    // USER (2) and GROUP (8) carry an id; USER_OBJ, GROUP_OBJ, MASK and OTHER do not.
    if (tag === 2 || tag === 8) {
      const e = Buffer.alloc(8);
      e.writeUInt16LE(tag, 0);
      e.writeUInt16LE(perm, 2);
      e.writeUInt32LE(id, 4);
      parts.push(e);
    } else {
      const e = Buffer.alloc(4);
      e.writeUInt16LE(tag, 0);
      e.writeUInt16LE(perm, 2);
      parts.push(e);
    }
  }
  return Buffer.concat(parts);
}

/** Splits full attribute names into entries, sorted as ext4 keeps them (index, name length, name). */
export function xattrEntries(xattrs: ReadonlyMap<string, Uint8Array>): XattrEntry[] {
  const out: XattrEntry[] = [];
  for (const [full, value] of xattrs) {
    const prefix = PREFIXES.find(([p]) => (p.endsWith('.') ? full.startsWith(p) : full === p));
    const [p, index] = prefix ?? ['', 0];
    const isAcl = index === 2 || index === 3;
    out.push({ index, name: Buffer.from(full.slice(p.length), 'utf8'), value: isAcl ? aclToDisk(value) : Buffer.from(value) });
  }
  return out.sort((a, b) => a.index - b.index || a.name.length - b.name.length || Buffer.compare(a.name, b.name));
}

/** The ext4 hash of one entry (name, then value words). */
export function entryHash(e: XattrEntry): number {
  let hash = 0;
  for (const c of e.name) hash = ((hash << 5) ^ (hash >>> 27) ^ (c > 127 ? c - 256 : c)) >>> 0;
  const padded = Buffer.alloc((e.value.length + 3) & ~3);
  e.value.copy(padded);
  for (let o = 0; o < padded.length; o += 4) hash = ((hash << 16) ^ (hash >>> 16) ^ padded.readUInt32LE(o)) >>> 0;
  return hash;
}

function entrySize(e: XattrEntry): number {
  return (16 + e.name.length + 3) & ~3;
}

function valueSize(e: XattrEntry): number {
  return (e.value.length + 3) & ~3;
}

/** Bytes the entries need in an area (entries, the 4-byte terminator, padded values). */
export function areaSize(entries: readonly XattrEntry[]): number {
  return entries.reduce((n, e) => n + entrySize(e) + valueSize(e), 4);
}

/**
 * Lays entries out in an area of `size` bytes starting `valueBase` bytes before the first entry
 * (value offsets are relative to the first entry in an inode, to the block start in a block).
 */
function encodeArea(entries: readonly XattrEntry[], area: Buffer, entriesAt: number, valueBase: number): void {
  let entryOffset = entriesAt;
  let valueEnd = area.length;
  for (const e of entries) {
    valueEnd -= valueSize(e);
    e.value.copy(area, valueEnd);
    area.writeUInt8(e.name.length, entryOffset);
    area.writeUInt8(e.index, entryOffset + 1);
    area.writeUInt16LE(valueEnd - valueBase, entryOffset + 2);
    area.writeUInt32LE(0, entryOffset + 4);
    area.writeUInt32LE(e.value.length, entryOffset + 8);
    area.writeUInt32LE(entryHash(e), entryOffset + 12);
    e.name.copy(area, entryOffset + 16);
    entryOffset += entrySize(e);
  }
}

/** The in-inode area (magic + entries + values), or undefined when the entries do not fit. */
export function encodeInline(entries: readonly XattrEntry[]): Buffer | undefined {
  if (areaSize(entries) > INLINE_SPACE - 4) return undefined;
  const area = Buffer.alloc(INLINE_SPACE);
  area.writeUInt32LE(MAGIC, 0);
  const body = Buffer.alloc(INLINE_SPACE - 4);
  encodeArea(entries, body, 0, 0);
  body.copy(area, 4);
  return area;
}

/** An xattr block, or undefined when the entries do not fit in one block. */
export function encodeBlock(entries: readonly XattrEntry[]): Buffer | undefined {
  if (areaSize(entries) + 32 > BLOCK_SIZE) return undefined;
  const block = Buffer.alloc(BLOCK_SIZE);
  block.writeUInt32LE(MAGIC, 0);
  block.writeUInt32LE(1, 4); // refcount
  block.writeUInt32LE(1, 8); // blocks
  let hash = 0;
  for (const e of entries) hash = ((hash << 16) ^ (hash >>> 16) ^ entryHash(e)) >>> 0;
  block.writeUInt32LE(hash, 12);
  encodeArea(entries, block, 32, 0);
  return block;
}
