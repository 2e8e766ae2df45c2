/**
 * Extent trees: a 12-byte header, then 12-byte entries that are either index entries (pointing
 * at a lower node) or leaves (a run of data blocks). The root lives in the inode's i_block;
 * lower nodes fill a block and, with metadata_csum, end in a 4-byte checksum tail.
 */
import { BLOCK_SIZE } from './geometry.js';
import { I_BLOCK_SIZE } from './inode.js';
import { hi32, lo32, Struct, u16, u32 } from './struct.js';

/** `struct ext4_extent_header`. */
export const ExtentHeader = new Struct('extent header', 12, {
  magic: u16(0),
  entries: u16(2),
  max: u16(4),
  depth: u16(6),
  generation: u32(8),
});

/** `struct ext4_extent_idx`: an interior entry. */
export const ExtentIndex = new Struct('extent index', 12, {
  block: u32(0),
  leafLo: u32(4),
  leafHi: u16(8),
  unused: u16(10),
});

/** `struct ext4_extent`: a leaf entry. */
export const ExtentLeaf = new Struct('extent leaf', 12, {
  block: u32(0),
  len: u16(4),
  startHi: u16(6),
  startLo: u32(8),
});

/** `struct ext4_extent_tail`: the checksum after the last possible entry of a tree block. */
export const ExtentTail = new Struct('extent tail', 4, { checksum: u32(0) });

/** `eh_magic`. */
export const EXTENT_MAGIC = 0xf30a;
/** The longest initialised extent (ee_len's top bit marks an unwritten one). */
export const MAX_EXTENT_LENGTH = 32768;
/** Entries in the root node inside i_block. */
export const EXTENTS_IN_INODE = (I_BLOCK_SIZE - ExtentHeader.size) / ExtentLeaf.size;
/** Entries in a tree block: what fits after the header with room left for the checksum tail. */
export const EXTENTS_PER_BLOCK = Math.floor((BLOCK_SIZE - ExtentHeader.size) / ExtentLeaf.size);
/** Byte offset of the checksum tail in a tree block: just past the last possible entry. */
export const EXTENT_TAIL_OFFSET = ExtentHeader.size + EXTENTS_PER_BLOCK * ExtentLeaf.size;

/** A physical extent of a file: `len` blocks at `start` holding logical blocks from `logical`. */
export interface Extent {
  readonly logical: number;
  readonly start: number;
  readonly len: number;
}

/** An index entry: the node at block `start` covers logical blocks from `logical`. */
export interface ExtentPointer {
  readonly logical: number;
  readonly start: number;
}

/** Encodes a leaf node (depth 0) holding `extents` into `b`, which has room for `max` entries. */
export function encodeExtentLeaves(b: Buffer, max: number, extents: readonly Extent[]): void {
  ExtentHeader.write(b, 0, { magic: EXTENT_MAGIC, entries: extents.length, max, depth: 0, generation: 0 });
  extents.forEach((e, i) => {
    ExtentLeaf.write(b, ExtentHeader.size + i * ExtentLeaf.size, { block: e.logical, len: e.len, startHi: hi32(e.start), startLo: lo32(e.start) });
  });
}

/** Encodes an index node at `depth` (1 or more) pointing at `children` into `b`, which has room for `max` entries. */
export function encodeExtentIndex(b: Buffer, depth: number, max: number, children: readonly ExtentPointer[]): void {
  ExtentHeader.write(b, 0, { magic: EXTENT_MAGIC, entries: children.length, max, depth, generation: 0 });
  children.forEach((c, i) => {
    ExtentIndex.write(b, ExtentHeader.size + i * ExtentIndex.size, { block: c.logical, leafLo: lo32(c.start), leafHi: hi32(c.start), unused: 0 });
  });
}
