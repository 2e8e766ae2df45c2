/**
 * What each inode holds besides its data, the fourth sealing step: the extent tree (in i_block,
 * with tree blocks after the data when it outgrows four extents), a fast symlink's target, a
 * device number, and extended attributes in the inode or in a block of their own.
 */
import { createDiagnostic, DiagnosticError } from '../../../core/diagnostics/index.js';
import { ext4Codes } from '../../../core/diagnostics/codes-ext4.js';
import { nameToBytes } from '../../../core/names.js';
import type { Checksums } from '../csum.js';
import type { BlockSpace } from '../disk.js';
import {
  BLOCK_SIZE,
  encodeDevice,
  encodeExtentIndex,
  encodeExtentLeaves,
  EXTENTS_IN_INODE,
  EXTENTS_PER_BLOCK,
  I_BLOCK_SIZE,
  InodeFlag,
} from '../format/index.js';
import type { Extent, ExtentPointer } from '../format/index.js';
import type { PlacedInode } from './directories.js';
import { encodeBlock, encodeInline, xattrEntries } from './xattrs.js';

/** An inode ready to encode: its i_block, flags, and every block it owns besides its data. */
export interface SealedInode extends PlacedInode {
  /** The 60-byte i_block. */
  readonly iblock: Buffer;
  /** Blocks of extent tree nodes outside the inode. */
  readonly treeBlocks: readonly number[];
  /** The xattr block, or 0. */
  readonly xattrBlock: number;
  /** The in-inode attribute area, when the attributes fit there. */
  readonly inlineXattrs?: Buffer;
}

/** An extent tree: the root for i_block and the blocks of the lower levels. */
export interface ExtentTree {
  readonly root: Buffer;
  readonly treeBlocks: readonly number[];
}

/** Builds the extent tree for `extents`: inline when it fits, else leaf and index blocks written after the data. */
export async function writeExtentTree(ino: number, extents: readonly Extent[], space: BlockSpace, csum: Checksums | undefined): Promise<ExtentTree> {
  const treeBlocks: number[] = [];
  // Each level is written in blocks of EXTENTS_PER_BLOCK until what is left fits in the inode.
  let level: readonly (Extent | ExtentPointer)[] = extents;
  let depth = 0;
  while (level.length > EXTENTS_IN_INODE) {
    const parents: ExtentPointer[] = [];
    for (let i = 0; i < level.length; i += EXTENTS_PER_BLOCK) {
      const chunk = level.slice(i, i + EXTENTS_PER_BLOCK);
      const at = (space.allocator.allocate(1)[0] as { start: number }).start;
      const block = Buffer.alloc(BLOCK_SIZE);
      if (depth === 0) encodeExtentLeaves(block, EXTENTS_PER_BLOCK, chunk as readonly Extent[]);
      else encodeExtentIndex(block, depth, EXTENTS_PER_BLOCK, chunk);
      csum?.extentBlock(ino, block);
      await space.disk.write(at, block);
      treeBlocks.push(at);
      parents.push({ logical: (chunk[0] as ExtentPointer).logical, start: at });
    }
    level = parents;
    depth++;
  }
  const root = Buffer.alloc(I_BLOCK_SIZE);
  if (depth === 0) encodeExtentLeaves(root, EXTENTS_IN_INODE, level as readonly Extent[]);
  else encodeExtentIndex(root, depth, EXTENTS_IN_INODE, level);
  return { root, treeBlocks };
}

/** Attributes in the inode when they fit, else in one block (allocated and written here); none gives neither. */
export async function writeXattrs(xattrs: ReadonlyMap<string, Uint8Array> | undefined, space: BlockSpace, csum: Checksums | undefined): Promise<{ inline?: Buffer; block: number }> {
  if (!xattrs || xattrs.size === 0) return { block: 0 };
  const entries = xattrEntries(xattrs);
  const inline = encodeInline(entries);
  if (inline) return { inline, block: 0 };
  const block = encodeBlock(entries);
  if (!block) throw new DiagnosticError(createDiagnostic(ext4Codes.xattrTooLarge, 'tooLarge', { bytes: BLOCK_SIZE }));
  const at = (space.allocator.allocate(1)[0] as { start: number }).start;
  csum?.xattrBlock(at, block);
  await space.disk.write(at, block);
  return { block: at };
}

/** Fills in one inode: its i_block (extent tree, fast symlink or device) and its attributes, in that order of allocation. */
export async function writeInodeData(inode: PlacedInode, space: BlockSpace, csum: Checksums | undefined): Promise<SealedInode> {
  const meta = inode.node.meta;
  let iblock: Buffer;
  let treeBlocks: readonly number[] = [];
  let flags = inode.flags;
  // Files and directories always have an extent tree (even an empty one); symlinks only when their target needed a block.
  if (meta.type === 'file' || meta.type === 'dir' || (meta.type === 'symlink' && inode.extents.length > 0)) {
    const tree = await writeExtentTree(inode.ino, inode.extents, space, csum);
    iblock = tree.root;
    treeBlocks = tree.treeBlocks;
    flags |= InodeFlag.extents;
  } else if (meta.type === 'char' || meta.type === 'block') {
    iblock = encodeDevice(meta.devMajor ?? 0, meta.devMinor ?? 0);
  } else {
    iblock = Buffer.alloc(I_BLOCK_SIZE);
    if (meta.type === 'symlink') nameToBytes(meta.linkTarget ?? '').copy(iblock);
  }
  const xattrs = await writeXattrs(meta.xattrs, space, csum);
  const { node, ino, links, parent, extents } = inode;
  return { node, ino, links, parent, extents, iblock, treeBlocks, flags, xattrBlock: xattrs.block, inlineXattrs: xattrs.inline };
}
