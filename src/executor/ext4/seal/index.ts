/**
 * Sealing: everything after the file data, as a pipeline of small steps. Inodes are numbered
 * from the tree; directories, the journal, extent tree blocks and xattr blocks are placed after
 * the data; then the layout picks the group count, and bitmaps, inode tables, group descriptors
 * and superblocks (with sparse_super backups) are computed and written.
 */
import type { FileHandle } from 'node:fs/promises';
import type { Allocator, BlockWriter } from '../disk.js';
import { BLOCK_SIZE, FIRST_INODE } from '../format/index.js';
import type { Tree } from '../tree.js';
import { placeDirectories } from './directories.js';
import { writeInodeData } from './inode-data.js';
import type { SealedInode } from './inode-data.js';
import { addLostFound, numberInodes } from './inodes.js';
import { placeJournal } from './journal.js';
import { planLayout } from './layout.js';
import { blockBitmap, groupMetadata, inodeTables, superblockBlocks } from './metadata.js';
import { formatUuid, fsIdentity } from './options.js';
import type { Ext4Options, Ext4Result, FsIdentity } from './options.js';

export type { Ext4Options, Ext4Result } from './options.js';

/** What sealing works on: the tree, the allocator and writer the data went through, and the image file. */
export interface SealContext {
  readonly tree: Tree;
  readonly allocator: Allocator;
  readonly disk: BlockWriter;
  readonly file: FileHandle;
  readonly options: Ext4Options;
}

/** Everything placed after the file data: every inode ready to encode, and how many inode numbers are in use. */
interface Placed {
  readonly inodes: readonly SealedInode[];
  readonly journal: SealedInode | undefined;
  readonly usedInodes: number;
}

/** The placing steps: number inodes, write directories, the journal, then each inode's tree and attribute blocks, in inode order. */
async function placeInodes(ctx: SealContext, identity: FsIdentity): Promise<Placed> {
  const { tree, options } = ctx;
  const space = { allocator: ctx.allocator, disk: ctx.disk };
  const time = { sec: options.timestamp ?? 0, nsec: 0 };
  addLostFound(tree, time);
  const numbering = numberInodes(tree);
  const placed = await placeDirectories(numbering, space, { hashSeed: identity.hashSeed, csum: identity.csum, dirIndex: options.dirIndex ?? false });
  if (options.journal) placed.push(await placeJournal(space, identity.uuid, time));
  const inodes: SealedInode[] = [];
  for (const inode of placed) inodes.push(await writeInodeData(inode, space, identity.csum));
  // The reserved inodes count as used; the root is one of them.
  return { inodes, journal: options.journal ? inodes[inodes.length - 1] : undefined, usedInodes: FIRST_INODE - 1 + numbering.inodes.length - 1 };
}

/** Writes everything after the file data, finishes the image file, and returns the result. */
export async function sealImage(ctx: SealContext): Promise<Ext4Result> {
  const { allocator, disk, options } = ctx;
  const identity = fsIdentity(options);
  const { inodes, journal, usedInodes } = await placeInodes(ctx, identity);

  // Lay out the groups after all of it, then compute their metadata.
  const layout = planLayout(allocator.next, usedInodes, options);
  const tables = inodeTables(layout, inodes, identity.csum);
  const groups = groupMetadata(layout, blockBitmap(layout, inodes), tables, identity.csum);
  const superblocks = superblockBlocks({ layout, groups, identity, options, journal });

  for (const [g, table] of tables.tables) await disk.write(layout.inodeTables[g] as number, table);
  for (let g = 0; g < layout.groups; g++) {
    await disk.write(layout.blockBitmaps[g] as number, groups.blockBitmaps[g] as Buffer);
    await disk.write(layout.inodeBitmaps[g] as number, groups.inodeBitmaps[g] as Buffer);
  }
  // Each superblock copy is followed by the group descriptor table.
  for (const [block, sb] of superblocks) {
    await disk.write(block, sb);
    await disk.write(block + 1, groups.gdt);
  }
  await disk.flush();
  await ctx.file.truncate(layout.blocks * BLOCK_SIZE);
  return { size: layout.blocks * BLOCK_SIZE, uuid: formatUuid(identity.uuid), blockSize: BLOCK_SIZE, inodes: usedInodes, blocks: layout.blocks - groups.freeBlocks };
}
