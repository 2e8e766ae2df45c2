/**
 * Sealing: everything after the file data. Inode numbers and link counts are fixed by walking
 * the tree in name order; directories, extent tree blocks, xattr blocks (and the journal) are
 * allocated after the data; then the size policy picks the group count, and bitmaps, inode
 * tables, group descriptors and superblocks (with sparse_super backups) are written.
 */
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { createDiagnostic, DiagnosticError } from '../../core/diagnostics/index.js';
import { ext4Codes } from '../../core/diagnostics/codes-ext4.js';
import { addExtent, Allocator, GDT_RESERVED } from './disk.js';
import type { BlockWriter } from './disk.js';
import {
  BLOCK_SIZE,
  BLOCKS_PER_GROUP,
  Compat,
  direntSize,
  encodeDirent,
  encodeExtentNode,
  encodeGroupDescriptor,
  encodeInode,
  encodeSuperblock,
  EXTENTS_PER_BLOCK,
  FileType,
  FIRST_INODE,
  hasSuperblockBackup,
  Incompat,
  InodeFlag,
  INODE_SIZE,
  INODES_PER_BLOCK,
  JOURNAL_INODE,
  RoCompat,
  ROOT_INODE,
} from './format.js';
import type { Extent } from './format.js';
import { encodeBlock, encodeInline, xattrEntries } from './xattr.js';
import type { Tree, TreeNode } from './tree.js';
import { journalBlocksFor, journalSuperblock } from './journal.js';
import { Checksums, DIR_TAIL } from './csum.js';
import { htreeBlocks } from './htree.js';

/** Options of the ext4 writer. */
export interface Ext4Options {
  /** Seeds the filesystem UUID and directory hash seed: the same seed and entries give the same bytes. */
  readonly seed: string;
  /** Superblock timestamps and implicit directories' times (SOURCE_DATE_EPOCH); default 0. */
  readonly timestamp?: number;
  /** A fixed image size in bytes (rounded up to 2 MiB); the content must fit. */
  readonly size?: number;
  /** Free space to leave for the running sandbox, in bytes. */
  readonly free?: number;
  readonly journal?: boolean;
  readonly metadataCsum?: boolean;
  readonly dirIndex?: boolean;
  /** Store all-zero blocks of file data as holes instead of allocating them. */
  readonly holes?: boolean;
  readonly label?: string;
}

/** What sealing produced. */
export interface Ext4Result {
  /** Bytes of the image file: a multiple of 2 MiB. */
  readonly size: number;
  readonly uuid: string;
  readonly blockSize: number;
  readonly inodes: number;
  readonly blocks: number;
}

const ALIGN_BLOCKS = (2 * 1024 * 1024) / BLOCK_SIZE;
/** One inode per this many bytes of free space, mke2fs's default ratio. */
const INODE_RATIO = 16384;
const LOG_GROUPS_PER_FLEX = 4;

interface Live {
  readonly node: TreeNode;
  readonly ino: number;
  links: number;
  /** Blocks of extent tree nodes outside the inode. */
  treeBlocks: number[];
  iblock: Buffer;
  flags: number;
  xattrBlock: number;
  inlineXattrs?: Buffer;
}

function seeded(seed: string, what: string): Buffer {
  return createHash('sha256').update(`${what}\0${seed}`).digest().subarray(0, 16);
}

function uuidOf(seed: string): Buffer {
  const u = Buffer.from(seeded(seed, 'uuid'));
  u[6] = ((u[6] as number) & 0x0f) | 0x40;
  u[8] = ((u[8] as number) & 0x3f) | 0x80;
  return u;
}

function formatUuid(u: Buffer): string {
  const h = u.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Numbers every reachable node (root 2, then 11 upward in name order) and counts links. */
function numberNodes(tree: Tree): { live: Map<TreeNode, Live>; order: Live[] } {
  const live = new Map<TreeNode, Live>();
  const order: Live[] = [];
  let next = FIRST_INODE;
  const visit = (node: TreeNode, ino: number): Live => {
    const entry: Live = { node, ino, links: 0, treeBlocks: [], iblock: Buffer.alloc(60), flags: 0, xattrBlock: 0 };
    live.set(node, entry);
    order.push(entry);
    return entry;
  };
  const queue: TreeNode[] = [tree.root];
  visit(tree.root, ROOT_INODE);
  while (queue.length > 0) {
    const dir = queue.shift() as TreeNode;
    for (const name of [...(dir.children?.keys() ?? [])].sort(compareNames)) {
      const child = dir.children?.get(name) as TreeNode;
      let entry = live.get(child);
      if (!entry) {
        entry = visit(child, next++);
        if (child.meta.type === 'dir') queue.push(child);
      }
      if (child.meta.type !== 'dir') entry.links++;
    }
  }
  for (const entry of order) {
    if (entry.node.meta.type !== 'dir') continue;
    const subdirs = [...(entry.node.children?.values() ?? [])].filter((c) => c.meta.type === 'dir').length;
    entry.links = 2 + subdirs > 65000 ? 1 : 2 + subdirs;
  }
  return { live, order };
}

/** Directory blocks for `dir`: `.`, `..`, then entries in name order. */
function directoryBlocks(dir: TreeNode, self: number, parent: number, live: Map<TreeNode, Live>, csum: Checksums | undefined): Buffer {
  // With metadata_csum the last 12 bytes of every block hold the checksum entry.
  const usable = csum ? DIR_TAIL : BLOCK_SIZE;
  const entries: { ino: number; name: Buffer; type: number }[] = [
    { ino: self, name: Buffer.from('.'), type: FileType.dir.dirent },
    { ino: parent, name: Buffer.from('..'), type: FileType.dir.dirent },
  ];
  for (const name of [...(dir.children?.keys() ?? [])].sort(compareNames)) {
    const child = dir.children?.get(name) as TreeNode;
    const bytes = Buffer.from(name, 'utf8');
    if (bytes.length > 255) throw new DiagnosticError(createDiagnostic(ext4Codes.nameTooLong, `file name "${name.slice(0, 40)}…" is ${bytes.length} bytes`));
    entries.push({ ino: (live.get(child) as Live).ino, name: bytes, type: FileType[child.meta.type].dirent });
  }
  const blocks: Buffer[] = [];
  let block = Buffer.alloc(BLOCK_SIZE);
  let used = 0;
  let last = -1;
  for (const e of entries) {
    const size = direntSize(e.name.length);
    if (used + size > usable) {
      block.writeUInt16LE(usable - last, last + 4);
      csum?.directoryBlock(self, block);
      blocks.push(block);
      block = Buffer.alloc(BLOCK_SIZE);
      used = 0;
    }
    encodeDirent(block, used, e.ino, size, e.name, e.type);
    last = used;
    used += size;
  }
  block.writeUInt16LE(usable - last, last + 4);
  csum?.directoryBlock(self, block);
  blocks.push(block);
  return Buffer.concat(blocks);
}

/** Builds the extent tree for `extents`: inline when it fits, else leaf and index blocks. */
async function extentTree(entry: Live, extents: readonly Extent[], allocator: Allocator, disk: BlockWriter, csum: Checksums | undefined): Promise<void> {
  let level: { logical: number; start: number; len?: number }[] = extents.map((e) => ({ ...e }));
  let depth = 0;
  while (level.length > 4) {
    const parents: { logical: number; start: number }[] = [];
    for (let i = 0; i < level.length; i += EXTENTS_PER_BLOCK) {
      const chunk = level.slice(i, i + EXTENTS_PER_BLOCK);
      const [run] = allocator.allocate(1);
      const block = Buffer.alloc(BLOCK_SIZE);
      encodeExtentNode(block, depth, EXTENTS_PER_BLOCK, chunk);
      csum?.extentBlock(entry.ino, block);
      await disk.write((run as { start: number }).start, block);
      entry.treeBlocks.push((run as { start: number }).start);
      parents.push({ logical: (chunk[0] as { logical: number }).logical, start: (run as { start: number }).start });
    }
    level = parents;
    depth++;
  }
  encodeExtentNode(entry.iblock, depth, 4, level);
  entry.flags |= InodeFlag.extents;
}

function deviceBlock(major: number, minor: number): Buffer {
  const b = Buffer.alloc(60);
  if (major < 256 && minor < 256) b.writeUInt32LE((major << 8) | minor, 0);
  else b.writeUInt32LE(((minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12)) >>> 0, 4);
  return b;
}

/** Marks `count` blocks from `start` in a bitmap of the whole filesystem. */
function mark(bits: Uint8Array, start: number, count: number): void {
  for (let b = start; b < start + count; b++) bits[b >> 3] = (bits[b >> 3] as number) | (1 << (b & 7));
}

interface Layout {
  readonly groups: number;
  readonly blocks: number;
  readonly inodesPerGroup: number;
  readonly gdtBlocks: number;
  readonly blockBitmaps: number[];
  readonly inodeBitmaps: number[];
  readonly inodeTables: number[];
}

/** Picks the group count, inode count and metadata places so everything fits: a fixed point. */
function layout(dataEnd: number, usedInodes: number, options: Ext4Options): Layout {
  const freeBytes = options.free ?? 0;
  // Free inodes in proportion to the free space the sandbox gets (FREE, or what SIZE leaves).
  const headroom = options.size !== undefined ? Math.max(0, options.size - dataEnd * BLOCK_SIZE) : freeBytes;
  let groups = Math.max(1, Math.ceil(dataEnd / BLOCKS_PER_GROUP));
  for (;;) {
    const wanted = usedInodes + Math.max(16, Math.ceil(headroom / INODE_RATIO));
    const inodesPerGroup = Math.min(BLOCKS_PER_GROUP, Math.max(16, Math.ceil(wanted / groups / 16) * 16));
    if (inodesPerGroup * groups < usedInodes) {
      groups++;
      continue;
    }
    const allocator = new Allocator();
    allocator.next = dataEnd;
    const place = (): number[] => Array.from({ length: groups }, () => (allocator.allocate(1)[0] as { start: number }).start);
    const itableBlocks = inodesPerGroup / INODES_PER_BLOCK;
    const blockBitmaps = place();
    const inodeBitmaps = place();
    const inodeTables: number[] = [];
    for (let g = 0; g < groups; g++) {
      // An inode table must be contiguous: skip ahead rather than split it around a backup region.
      let runs = allocator.allocate(itableBlocks);
      while (runs.length !== 1) runs = allocator.allocate(itableBlocks);
      inodeTables.push((runs[0] as { start: number }).start);
    }
    const metaEnd = allocator.next;
    const needed = metaEnd + Math.ceil(freeBytes / BLOCK_SIZE);
    let blocks = options.size !== undefined ? Math.ceil(options.size / BLOCK_SIZE) : needed;
    blocks = Math.ceil(blocks / ALIGN_BLOCKS) * ALIGN_BLOCKS;
    if (options.size !== undefined && blocks < metaEnd) {
      const need = Math.ceil(metaEnd / ALIGN_BLOCKS) * ALIGN_BLOCKS * BLOCK_SIZE;
      throw new DiagnosticError(
        createDiagnostic(ext4Codes.tooSmall, `the content needs ${need} bytes (${(need / 1048576).toFixed(0)} MiB), more than SEAL SIZE ${options.size} bytes`),
      );
    }
    const groupsNeeded = Math.ceil(blocks / BLOCKS_PER_GROUP);
    if (groupsNeeded > groups) {
      groups = groupsNeeded;
      continue;
    }
    // A last group that holds a superblock backup must have room for it.
    const lastGroup = groups - 1;
    const lastGroupBlocks = blocks - lastGroup * BLOCKS_PER_GROUP;
    const gdtBlocks = Math.ceil((groups * 32) / BLOCK_SIZE);
    if (gdtBlocks > GDT_RESERVED) throw new DiagnosticError(createDiagnostic(ext4Codes.tooLarge, `the filesystem would need ${groups} block groups`));
    if (lastGroup > 0 && hasSuperblockBackup(lastGroup) && lastGroupBlocks < 1 + GDT_RESERVED + 1) {
      blocks = Math.ceil((lastGroup * BLOCKS_PER_GROUP + 1 + GDT_RESERVED + 1) / ALIGN_BLOCKS) * ALIGN_BLOCKS;
    }
    return { groups, blocks, inodesPerGroup, gdtBlocks, blockBitmaps, inodeBitmaps, inodeTables };
  }
}

/** Writes everything after the file data and returns the result. */
export async function sealImage(ctx: { tree: Tree; allocator: Allocator; disk: BlockWriter; file: FileHandle; options: Ext4Options }): Promise<Ext4Result> {
  const { tree, allocator, disk, options } = ctx;
  const uuid = uuidOf(options.seed);
  const hashSeed = seeded(options.seed, 'hash');
  const csum = options.metadataCsum ? new Checksums(uuid) : undefined;
  if (!tree.get('/lost+found')) tree.put('/lost+found', { meta: { type: 'dir', mode: 0o700, uid: 0, gid: 0, mtime: { sec: options.timestamp ?? 0, nsec: 0 } }, children: new Map(), extents: [] });
  const { live, order } = numberNodes(tree);
  const parents = new Map<TreeNode, number>([[tree.root, ROOT_INODE]]);
  for (const entry of order) {
    if (entry.node.meta.type !== 'dir') continue;
    for (const child of entry.node.children?.values() ?? []) if (child.meta.type === 'dir') parents.set(child, entry.ino);
  }
  // Directory contents, then extent trees and attributes, all after the file data.
  for (const entry of order) {
    if (entry.node.meta.type !== 'dir') continue;
    let data = directoryBlocks(entry.node, entry.ino, parents.get(entry.node) ?? ROOT_INODE, live, csum);
    // dir_index: a directory that outgrows one block is written as an htree, as the kernel would.
    if (options.dirIndex && data.length > BLOCK_SIZE) {
      const children = [...(entry.node.children ?? new Map<string, TreeNode>())].map(([name, child]) => ({
        ino: (live.get(child) as Live).ino,
        name: Buffer.from(name, 'utf8'),
        type: FileType[child.meta.type].dirent,
      }));
      data = htreeBlocks(entry.ino, parents.get(entry.node) ?? ROOT_INODE, children, hashSeed, csum);
      entry.flags |= InodeFlag.index;
    }
    entry.node.extents.length = 0;
    let offset = 0;
    let logical = 0;
    for (const run of allocator.allocate(data.length / BLOCK_SIZE)) {
      await disk.write(run.start, data.subarray(offset, offset + run.len * BLOCK_SIZE));
      addExtent(entry.node.extents, logical, run);
      offset += run.len * BLOCK_SIZE;
      logical += run.len;
    }
  }
  let journal: Live | undefined;
  if (options.journal) {
    const count = journalBlocksFor(allocator.next);
    const node: TreeNode = { meta: { type: 'file', mode: 0o600, uid: 0, gid: 0, mtime: { sec: options.timestamp ?? 0, nsec: 0 }, size: count * BLOCK_SIZE }, extents: [] };
    const runs = allocator.allocate(count);
    let logical = 0;
    for (const run of runs) {
      addExtent(node.extents, logical, run);
      logical += run.len;
    }
    await disk.write((runs[0] as { start: number }).start, journalSuperblock(count, uuidOf(options.seed)));
    journal = { node, ino: JOURNAL_INODE, links: 1, treeBlocks: [], iblock: Buffer.alloc(60), flags: 0, xattrBlock: 0 };
  }
  for (const entry of [...order, ...(journal ? [journal] : [])]) {
    const meta = entry.node.meta;
    if (meta.type === 'file' || meta.type === 'dir' || (meta.type === 'symlink' && entry.node.extents.length > 0)) {
      await extentTree(entry, entry.node.extents, allocator, disk, csum);
    } else if (meta.type === 'symlink') {
      Buffer.from(meta.linkTarget ?? '', 'utf8').copy(entry.iblock);
    } else if (meta.type === 'char' || meta.type === 'block') {
      entry.iblock = deviceBlock(meta.devMajor ?? 0, meta.devMinor ?? 0);
    }
    if (meta.xattrs && meta.xattrs.size > 0) {
      const entries = xattrEntries(meta.xattrs);
      const inline = encodeInline(entries);
      if (inline) entry.inlineXattrs = inline;
      else {
        const block = encodeBlock(entries);
        if (!block) throw new DiagnosticError(createDiagnostic(ext4Codes.xattrTooLarge, `extended attributes of one file need more than ${BLOCK_SIZE} bytes`));
        const [run] = allocator.allocate(1);
        const at = (run as { start: number }).start;
        csum?.xattrBlock(at, block);
        await disk.write(at, block);
        entry.xattrBlock = at;
      }
    }
  }
  const usedInodes = FIRST_INODE - 1 + order.length - 1;
  const plan = layout(allocator.next, usedInodes, options);
  const totalInodes = plan.groups * plan.inodesPerGroup;
  if (totalInodes >= 2 ** 32) throw new DiagnosticError(createDiagnostic(ext4Codes.tooLarge, 'the filesystem would need more than 2^32 inodes'));

  // Block bitmap over the whole filesystem.
  const bits = new Uint8Array(Math.ceil((plan.groups * BLOCKS_PER_GROUP) / 8));
  for (let g = 0; g < plan.groups; g++) if (hasSuperblockBackup(g)) mark(bits, g * BLOCKS_PER_GROUP, 1 + plan.gdtBlocks);
  const itableBlocks = plan.inodesPerGroup / INODES_PER_BLOCK;
  for (let g = 0; g < plan.groups; g++) {
    mark(bits, plan.blockBitmaps[g] as number, 1);
    mark(bits, plan.inodeBitmaps[g] as number, 1);
    mark(bits, plan.inodeTables[g] as number, itableBlocks);
  }
  const all = [...order, ...(journal ? [journal] : [])];
  for (const entry of all) {
    for (const e of entry.node.extents) mark(bits, e.start, e.len);
    for (const b of entry.treeBlocks) mark(bits, b, 1);
    if (entry.xattrBlock) mark(bits, entry.xattrBlock, 1);
  }
  mark(bits, plan.blocks, plan.groups * BLOCKS_PER_GROUP - plan.blocks);

  // Inode tables.
  const tables = new Map<number, Buffer>();
  const inodeBits = new Uint8Array(Math.ceil(totalInodes / 8));
  for (let i = 1; i < FIRST_INODE; i++) mark(inodeBits, i - 1, 1);
  const usedDirs = new Array<number>(plan.groups).fill(0);
  for (const entry of all) {
    const meta = entry.node.meta;
    const g = Math.floor((entry.ino - 1) / plan.inodesPerGroup);
    const index = (entry.ino - 1) % plan.inodesPerGroup;
    let table = tables.get(g);
    if (!table) tables.set(g, (table = Buffer.alloc(plan.inodesPerGroup * INODE_SIZE)));
    const dataBlocks = entry.node.extents.reduce((n, e) => n + e.len, 0) + entry.treeBlocks.length + (entry.xattrBlock ? 1 : 0);
    const size = meta.type === 'dir' ? entry.node.extents.reduce((n, e) => n + e.len, 0) * BLOCK_SIZE : meta.type === 'file' ? (meta.size ?? 0) : meta.type === 'symlink' ? Buffer.byteLength(meta.linkTarget ?? '') : 0;
    const inode = encodeInode({
      mode: FileType[meta.type].mode | (meta.mode & 0o7777),
      uid: meta.uid,
      gid: meta.gid,
      size,
      atime: meta.atime ?? meta.mtime,
      ctime: meta.ctime ?? meta.mtime,
      mtime: meta.mtime,
      links: entry.links,
      sectors: dataBlocks * (BLOCK_SIZE / 512),
      flags: entry.flags,
      block: entry.iblock,
      xattrBlock: entry.xattrBlock,
      ...(entry.inlineXattrs ? { inlineXattrs: entry.inlineXattrs } : {}),
    });
    csum?.inode(entry.ino, inode);
    inode.copy(table, index * INODE_SIZE);
    mark(inodeBits, entry.ino - 1, 1);
    if (meta.type === 'dir') usedDirs[g] = (usedDirs[g] ?? 0) + 1;
  }
  for (const [g, table] of tables) await disk.write(plan.inodeTables[g] as number, table);

  // Bitmaps and group descriptors.
  const gdt = Buffer.alloc(plan.gdtBlocks * BLOCK_SIZE);
  let freeBlocks = 0;
  let freeInodes = 0;
  for (let g = 0; g < plan.groups; g++) {
    const blockBitmap = Buffer.from(bits.subarray((g * BLOCKS_PER_GROUP) / 8, ((g + 1) * BLOCKS_PER_GROUP) / 8));
    const inodeBitmap = Buffer.alloc(BLOCK_SIZE, 0xff);
    inodeBitmap.fill(0, 0, plan.inodesPerGroup / 8);
    Buffer.from(inodeBits.subarray((g * plan.inodesPerGroup) / 8, ((g + 1) * plan.inodesPerGroup) / 8)).copy(inodeBitmap);
    await disk.write(plan.blockBitmaps[g] as number, blockBitmap);
    await disk.write(plan.inodeBitmaps[g] as number, inodeBitmap);
    const groupBlocks = Math.min(BLOCKS_PER_GROUP, plan.blocks - g * BLOCKS_PER_GROUP);
    let usedBlocks = 0;
    for (let i = 0; i < groupBlocks; i++) if ((blockBitmap[i >> 3] as number) & (1 << (i & 7))) usedBlocks++;
    let usedInodeCount = 0;
    for (let i = 0; i < plan.inodesPerGroup; i++) if ((inodeBitmap[i >> 3] as number) & (1 << (i & 7))) usedInodeCount++;
    freeBlocks += groupBlocks - usedBlocks;
    freeInodes += plan.inodesPerGroup - usedInodeCount;
    encodeGroupDescriptor(
      {
        blockBitmap: plan.blockBitmaps[g] as number,
        inodeBitmap: plan.inodeBitmaps[g] as number,
        inodeTable: plan.inodeTables[g] as number,
        freeBlocks: groupBlocks - usedBlocks,
        freeInodes: plan.inodesPerGroup - usedInodeCount,
        usedDirs: usedDirs[g] ?? 0,
        ...(csum ? { blockBitmapCsum: csum.bitmap(blockBitmap), inodeBitmapCsum: csum.bitmap(inodeBitmap.subarray(0, plan.inodesPerGroup / 8)) } : {}),
      },
      gdt,
      g * 32,
    );
    csum?.groupDescriptor(g, gdt, g * 32);
  }

  // Superblock and its backups.
  const journalInfo = journal ? [...Array.from({ length: 15 }, (_, i) => journal.iblock.readUInt32LE(i * 4)), 0, journal.node.meta.size ?? 0] : undefined;
  for (let g = 0; g < plan.groups; g++) {
    if (!hasSuperblockBackup(g)) continue;
    const sb = encodeSuperblock({
      inodesCount: totalInodes,
      blocksCount: plan.blocks,
      freeBlocks,
      freeInodes,
      inodesPerGroup: plan.inodesPerGroup,
      timestamp: options.timestamp ?? 0,
      uuid,
      label: options.label ?? '',
      hashSeed,
      compat: Compat.extAttr | (options.dirIndex ? Compat.dirIndex : 0) | (journal ? Compat.hasJournal : 0),
      incompat: Incompat.filetype | Incompat.extents | Incompat.flexBg,
      roCompat: RoCompat.sparseSuper | RoCompat.largeFile | RoCompat.hugeFile | RoCompat.dirNlink | RoCompat.extraIsize | (csum ? RoCompat.metadataCsum : 0),
      journalInode: journal ? JOURNAL_INODE : 0,
      logGroupsPerFlex: LOG_GROUPS_PER_FLEX,
      groupNumber: g,
      ...(journalInfo ? { journalBlocks: journalInfo } : {}),
    });
    csum?.superblock(sb);
    const first = Buffer.alloc(BLOCK_SIZE);
    sb.copy(first, g === 0 ? 1024 : 0);
    await disk.write(g * BLOCKS_PER_GROUP, first);
    await disk.write(g * BLOCKS_PER_GROUP + 1, gdt);
  }
  await disk.flush();
  await ctx.file.truncate(plan.blocks * BLOCK_SIZE);
  await ctx.file.sync();
  return { size: plan.blocks * BLOCK_SIZE, uuid: formatUuid(uuid), blockSize: BLOCK_SIZE, inodes: usedInodes, blocks: plan.blocks - freeBlocks };
}
