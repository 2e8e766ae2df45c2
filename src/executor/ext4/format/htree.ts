/**
 * Indexed (htree) directories: block 0 is a dx root (`.` and `..` entries, then the root info
 * and an index of hash → block), optional dx nodes (a fake empty entry spanning the block, then
 * an index) and leaf blocks that are ordinary directory blocks. Under metadata_csum each index
 * ends in a dx tail holding its checksum.
 */
import { direntSize, encodeDirent, Dirent } from './directory.js';
import { BLOCK_SIZE } from './geometry.js';
import { FileType } from './inode.js';
import { Struct, u16, u32, u8 } from './struct.js';

/** `struct dx_root_info`, after the `.` and `..` entries of the root block. */
export const DxRootInfo = new Struct('dx_root_info', 8, {
  reservedZero: u32(0),
  hashVersion: u8(4),
  infoLength: u8(5),
  indirectLevels: u8(6),
  unusedFlags: u8(7),
});

/** `struct dx_countlimit`: overlays the hash of an index's first entry (that entry's hash is implicitly 0). */
export const DxCountLimit = new Struct('dx_countlimit', 4, { limit: u16(0), count: u16(2) });

/** `struct dx_entry`: the block holding hashes from `hash` up to the next entry's. */
export const DxEntry = new Struct('dx_entry', 8, { hash: u32(0), block: u32(4) });

/** `struct dx_tail`: the checksum after an index's `limit` entries. */
export const DxTail = new Struct('dx_tail', 8, { reserved: u32(0), checksum: u32(4) });

/** `dx_hash_version` (and `s_def_hash_version`): half-MD4. */
export const DX_HASH_HALF_MD4 = 1;
/** The hash ext4 reserves to mean "end of directory" (as a 31-bit value, shifted left one). */
export const HTREE_EOF_32BIT = 0x7fffffff;
/** Byte offset of the root info: after `.` and `..`, each a one-entry record of a short name. */
export const DX_ROOT_INFO_OFFSET = direntSize(1) + direntSize(2);
/** Byte offset of the root's count/limit and entries. */
export const DX_ROOT_ENTRIES_OFFSET = DX_ROOT_INFO_OFFSET + DxRootInfo.size;
/** Byte offset of a node's count/limit and entries: after its fake empty directory entry. */
export const DX_NODE_ENTRIES_OFFSET = Dirent.size;
/** Index levels below the root that cube writes at most (the kernel's limit without largedir). */
export const DX_MAX_INDIRECT_LEVELS = 1;

/** How many entries fit in an index that starts at `entriesOffset`, leaving room for a tail when asked. */
export function dxLimit(entriesOffset: number, withTail: boolean): number {
  return (BLOCK_SIZE - entriesOffset - (withTail ? DxTail.size : 0)) / DxEntry.size;
}

/** Byte offset of the dx tail of an index at `entriesOffset` with room for `limit` entries. */
export function dxTailOffset(entriesOffset: number, limit: number): number {
  return entriesOffset + limit * DxEntry.size;
}

/** One index entry as cube computes it. */
export interface DxIndexEntry {
  readonly hash: number;
  readonly block: number;
}

/** Writes count/limit and the entries of an index at `entriesOffset` (entry 0's hash slot holds count/limit). */
function encodeIndex(block: Buffer, entriesOffset: number, limit: number, entries: readonly DxIndexEntry[]): void {
  DxCountLimit.write(block, entriesOffset, { limit, count: entries.length });
  entries.forEach((e, i) => {
    const at = entriesOffset + i * DxEntry.size;
    if (i > 0) DxEntry.set(block, at, 'hash', e.hash >>> 0);
    DxEntry.set(block, at, 'block', e.block);
  });
}

/** A dx root block for directory `self` in `parent`, indexing `entries` through `indirectLevels` levels of nodes. */
export function encodeDxRoot(self: number, parent: number, indirectLevels: number, limit: number, entries: readonly DxIndexEntry[]): Buffer {
  const root = Buffer.alloc(BLOCK_SIZE);
  const dot = direntSize(1);
  encodeDirent(root, 0, self, dot, Buffer.from('.'), FileType.dir.dirent);
  // `..` spans the rest of the block, so readers without dir_index see a directory of two entries.
  encodeDirent(root, dot, parent, BLOCK_SIZE - dot, Buffer.from('..'), FileType.dir.dirent);
  DxRootInfo.write(root, DX_ROOT_INFO_OFFSET, { hashVersion: DX_HASH_HALF_MD4, infoLength: DxRootInfo.size, indirectLevels });
  encodeIndex(root, DX_ROOT_ENTRIES_OFFSET, limit, entries);
  return root;
}

/** A dx node block indexing `entries`. */
export function encodeDxNode(limit: number, entries: readonly DxIndexEntry[]): Buffer {
  const node = Buffer.alloc(BLOCK_SIZE);
  // A fake, empty entry spanning the block: to a linear reader the node is free space.
  Dirent.write(node, 0, { inode: 0, recLen: BLOCK_SIZE });
  encodeIndex(node, DX_NODE_ENTRIES_OFFSET, limit, entries);
  return node;
}
