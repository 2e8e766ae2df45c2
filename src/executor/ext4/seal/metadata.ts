/**
 * Group metadata, the last sealing steps, all pure: the block bitmap of the whole filesystem,
 * the inode tables and inode bitmap, each group's bitmaps and descriptor, and the superblock
 * copies. Nothing here allocates; the layout already says where everything goes.
 */
import { nameByteLength } from '../../../core/names.js';
import type { Checksums } from '../csum.js';
import {
  BLOCK_SIZE,
  BLOCKS_PER_GROUP,
  Compat,
  encodeGroupDescriptor,
  encodeInode,
  encodeSuperblock,
  FileType,
  FIRST_INODE,
  GroupDescriptor,
  hasSuperblockBackup,
  Incompat,
  INODE_SIZE,
  INODES_PER_BLOCK,
  JOURNAL_INODE,
  PERMISSION_BITS,
  RoCompat,
  SECTOR_SIZE,
  SUPERBLOCK_OFFSET,
} from '../format/index.js';
import type { SealedInode } from './inode-data.js';
import type { Layout } from './layout.js';
import type { Ext4Options, FsIdentity } from './options.js';

/** flex_bg groups of 2^4: what mke2fs declares (cube places all group metadata together anyway). */
const LOG_GROUPS_PER_FLEX = 4;

/** Sets `count` bits from `start` in a bitmap. */
export function mark(bits: Uint8Array, start: number, count: number): void {
  for (let b = start; b < start + count; b++) bits[b >> 3] = (bits[b >> 3] as number) | (1 << (b & 7));
}

/** Counts the set bits among the first `count` of a bitmap. */
function countSet(bits: Uint8Array, count: number): number {
  let n = 0;
  for (let i = 0; i < count; i++) if ((bits[i >> 3] as number) & (1 << (i & 7))) n++;
  return n;
}

/** The used blocks of the whole filesystem: superblock copies and descriptors, group metadata, every inode's blocks, and the tail past the end. */
export function blockBitmap(layout: Layout, inodes: readonly SealedInode[]): Uint8Array {
  const bits = new Uint8Array(Math.ceil((layout.groups * BLOCKS_PER_GROUP) / 8));
  for (let g = 0; g < layout.groups; g++) if (hasSuperblockBackup(g)) mark(bits, g * BLOCKS_PER_GROUP, 1 + layout.gdtBlocks);
  const itableBlocks = layout.inodesPerGroup / INODES_PER_BLOCK;
  for (let g = 0; g < layout.groups; g++) {
    mark(bits, layout.blockBitmaps[g] as number, 1);
    mark(bits, layout.inodeBitmaps[g] as number, 1);
    mark(bits, layout.inodeTables[g] as number, itableBlocks);
  }
  for (const inode of inodes) {
    for (const e of inode.extents) mark(bits, e.start, e.len);
    for (const b of inode.treeBlocks) mark(bits, b, 1);
    if (inode.xattrBlock) mark(bits, inode.xattrBlock, 1);
  }
  // Blocks past the end of a short last group do not exist: marked used so nothing allocates them.
  mark(bits, layout.blocks, layout.groups * BLOCKS_PER_GROUP - layout.blocks);
  return bits;
}

/** Bytes of content (`i_size`): a directory's blocks, a file's size, a symlink's target. */
function contentSize(inode: SealedInode): number {
  const meta = inode.node.meta;
  if (meta.type === 'dir') return inode.extents.reduce((n, e) => n + e.len, 0) * BLOCK_SIZE;
  if (meta.type === 'file') return meta.size ?? 0;
  if (meta.type === 'symlink') return nameByteLength(meta.linkTarget ?? '');
  return 0;
}

/** One inode encoded (and checksummed). */
function encodeSealedInode(inode: SealedInode, csum: Checksums | undefined): Buffer {
  const meta = inode.node.meta;
  const blocks = inode.extents.reduce((n, e) => n + e.len, 0) + inode.treeBlocks.length + (inode.xattrBlock ? 1 : 0);
  const encoded = encodeInode({
    mode: FileType[meta.type].mode | (meta.mode & PERMISSION_BITS),
    uid: meta.uid,
    gid: meta.gid,
    size: contentSize(inode),
    atime: meta.atime ?? meta.mtime,
    ctime: meta.ctime ?? meta.mtime,
    mtime: meta.mtime,
    links: inode.links,
    sectors: blocks * (BLOCK_SIZE / SECTOR_SIZE),
    flags: inode.flags,
    block: inode.iblock,
    xattrBlock: inode.xattrBlock,
    inlineXattrs: inode.inlineXattrs,
  });
  csum?.inode(inode.ino, encoded);
  return encoded;
}

/** The inode tables of the groups that hold inodes, the inode bitmap of the whole filesystem, and directories per group. */
export interface InodeTables {
  readonly tables: ReadonlyMap<number, Buffer>;
  readonly bitmap: Uint8Array;
  readonly usedDirs: readonly number[];
}

/** Encodes every inode into its group's table. */
export function inodeTables(layout: Layout, inodes: readonly SealedInode[], csum: Checksums | undefined): InodeTables {
  const tables = new Map<number, Buffer>();
  const bitmap = new Uint8Array(Math.ceil((layout.groups * layout.inodesPerGroup) / 8));
  // The reserved inodes (1 to 10) are in use whether or not cube writes them.
  mark(bitmap, 0, FIRST_INODE - 1);
  const usedDirs = new Array<number>(layout.groups).fill(0);
  for (const inode of inodes) {
    const g = Math.floor((inode.ino - 1) / layout.inodesPerGroup);
    const index = (inode.ino - 1) % layout.inodesPerGroup;
    let table = tables.get(g);
    if (!table) tables.set(g, (table = Buffer.alloc(layout.inodesPerGroup * INODE_SIZE)));
    encodeSealedInode(inode, csum).copy(table, index * INODE_SIZE);
    mark(bitmap, inode.ino - 1, 1);
    if (inode.node.meta.type === 'dir') usedDirs[g] = (usedDirs[g] ?? 0) + 1;
  }
  return { tables, bitmap, usedDirs };
}

/** Each group's two bitmaps as written to disk, the descriptor table, and the free counts. */
export interface GroupMetadata {
  readonly blockBitmaps: readonly Buffer[];
  readonly inodeBitmaps: readonly Buffer[];
  readonly gdt: Buffer;
  readonly freeBlocks: number;
  readonly freeInodes: number;
}

/** Splits the bitmaps per group and fills each group's descriptor. */
export function groupMetadata(layout: Layout, blockBits: Uint8Array, inodes: InodeTables, csum: Checksums | undefined): GroupMetadata {
  const gdt = Buffer.alloc(layout.gdtBlocks * BLOCK_SIZE);
  const blockBitmaps: Buffer[] = [];
  const inodeBitmaps: Buffer[] = [];
  let freeBlocks = 0;
  let freeInodes = 0;
  const inodeBytes = layout.inodesPerGroup / 8;
  for (let g = 0; g < layout.groups; g++) {
    // A view, not a copy: one bitmap block per group would double the bitmap's memory on large images.
    const blockBitmap = Buffer.from(blockBits.buffer, blockBits.byteOffset + (g * BLOCKS_PER_GROUP) / 8, BLOCKS_PER_GROUP / 8);
    // The inode bitmap block is padded with ones past the group's last inode.
    const inodeBitmap = Buffer.alloc(BLOCK_SIZE, 0xff);
    inodeBitmap.fill(0, 0, inodeBytes);
    Buffer.from(inodes.bitmap.subarray(g * inodeBytes, (g + 1) * inodeBytes)).copy(inodeBitmap);
    const groupBlocks = Math.min(BLOCKS_PER_GROUP, layout.blocks - g * BLOCKS_PER_GROUP);
    const groupFreeBlocks = groupBlocks - countSet(blockBitmap, groupBlocks);
    const groupFreeInodes = layout.inodesPerGroup - countSet(inodeBitmap, layout.inodesPerGroup);
    freeBlocks += groupFreeBlocks;
    freeInodes += groupFreeInodes;
    const at = g * GroupDescriptor.size;
    encodeGroupDescriptor(
      {
        blockBitmap: layout.blockBitmaps[g] as number,
        inodeBitmap: layout.inodeBitmaps[g] as number,
        inodeTable: layout.inodeTables[g] as number,
        freeBlocks: groupFreeBlocks,
        freeInodes: groupFreeInodes,
        usedDirs: inodes.usedDirs[g] ?? 0,
        ...(csum ? { blockBitmapCsum: csum.bitmap(blockBitmap), inodeBitmapCsum: csum.bitmap(inodeBitmap.subarray(0, inodeBytes)) } : {}),
      },
      gdt,
      at,
    );
    csum?.groupDescriptor(g, gdt, at);
    blockBitmaps.push(blockBitmap);
    inodeBitmaps.push(inodeBitmap);
  }
  return { blockBitmaps, inodeBitmaps, gdt, freeBlocks, freeInodes };
}

/** What the superblock says beyond the layout. */
export interface SuperblockInput {
  readonly layout: Layout;
  readonly groups: GroupMetadata;
  readonly identity: FsIdentity;
  readonly options: Pick<Ext4Options, 'timestamp' | 'label' | 'dirIndex'>;
  /** The journal inode, when there is one: the superblock keeps a copy of its block map. */
  readonly journal: SealedInode | undefined;
}

/** The first block of each group that holds a superblock copy (group 0's copy sits 1024 bytes in, after the boot sector). */
export function superblockBlocks(input: SuperblockInput): Map<number, Buffer> {
  const { layout, groups, identity, options, journal } = input;
  const out = new Map<number, Buffer>();
  for (let g = 0; g < layout.groups; g++) {
    if (!hasSuperblockBackup(g)) continue;
    const sb = encodeSuperblock({
      inodesCount: layout.groups * layout.inodesPerGroup,
      blocksCount: layout.blocks,
      freeBlocks: groups.freeBlocks,
      freeInodes: groups.freeInodes,
      inodesPerGroup: layout.inodesPerGroup,
      timestamp: options.timestamp ?? 0,
      uuid: identity.uuid,
      label: options.label ?? '',
      hashSeed: identity.hashSeed,
      compat: Compat.extAttr | (options.dirIndex ? Compat.dirIndex : 0) | (journal ? Compat.hasJournal : 0),
      incompat: Incompat.filetype | Incompat.extents | Incompat.flexBg,
      roCompat: RoCompat.sparseSuper | RoCompat.largeFile | RoCompat.hugeFile | RoCompat.dirNlink | RoCompat.extraIsize | (identity.csum ? RoCompat.metadataCsum : 0),
      journalInode: journal ? JOURNAL_INODE : 0,
      logGroupsPerFlex: LOG_GROUPS_PER_FLEX,
      groupNumber: g,
      ...(journal ? { journal: { iblock: journal.iblock, size: journal.node.meta.size ?? 0 } } : {}),
    });
    identity.csum?.superblock(sb);
    const first = Buffer.alloc(BLOCK_SIZE);
    sb.copy(first, g === 0 ? SUPERBLOCK_OFFSET : 0);
    out.set(g * BLOCKS_PER_GROUP, first);
  }
  return out;
}
