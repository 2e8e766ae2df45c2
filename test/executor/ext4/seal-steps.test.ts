/** The sealing steps one at a time, on in-memory trees and an in-memory block sink. */
import { describe, expect, it } from 'vitest';
import type { EntryMeta } from '../../../src/core/tree-writer.js';
import { Allocator } from '../../../src/executor/ext4/disk.js';
import type { BlockSink, BlockSpace } from '../../../src/executor/ext4/disk.js';
import {
  AclEntry,
  AclHeader,
  AclShortEntry,
  AclVfsEntry,
  BLOCK_SIZE,
  BLOCKS_PER_GROUP,
  Dirent,
  DIRENT_TAIL_OFFSET,
  DirentTail,
  DIR_NLINK_OVERFLOW,
  ExtentHeader,
  InodeFlag,
  LINK_MAX,
  Superblock,
  SUPERBLOCK_OFFSET,
} from '../../../src/executor/ext4/format/index.js';
import type { Extent } from '../../../src/executor/ext4/format/index.js';
import { encodeDirectory, linearBlocks, placeDirectories } from '../../../src/executor/ext4/seal/directories.js';
import { writeExtentTree, writeInodeData, writeXattrs } from '../../../src/executor/ext4/seal/inode-data.js';
import { numberInodes } from '../../../src/executor/ext4/seal/inodes.js';
import type { NumberedInode } from '../../../src/executor/ext4/seal/inodes.js';
import { planLayout } from '../../../src/executor/ext4/seal/layout.js';
import { blockBitmap, groupMetadata, inodeTables, superblockBlocks } from '../../../src/executor/ext4/seal/metadata.js';
import { fsIdentity } from '../../../src/executor/ext4/seal/options.js';
import { aclToDisk } from '../../../src/executor/ext4/seal/xattrs.js';
import { makeNode, Tree } from '../../../src/executor/ext4/tree.js';
import type { TreeNode } from '../../../src/executor/ext4/tree.js';

/** Blocks written by a step, by number. */
class MemorySink implements BlockSink {
  readonly blocks = new Map<number, Buffer>();

  async write(block: number, data: Uint8Array): Promise<void> {
    for (let i = 0; i * BLOCK_SIZE < data.length; i++) this.blocks.set(block + i, Buffer.from(data.subarray(i * BLOCK_SIZE, (i + 1) * BLOCK_SIZE)));
  }
}

const T = { sec: 0, nsec: 0 };
const meta = (type: EntryMeta['type'], extra: Partial<EntryMeta> = {}): EntryMeta => ({ type, mode: 0o644, uid: 0, gid: 0, mtime: T, ...extra });
const space = (): BlockSpace & { disk: MemorySink } => ({ allocator: new Allocator(), disk: new MemorySink() });
const format = { hashSeed: Buffer.alloc(16, 1), csum: undefined, dirIndex: false };

/** A tree with `count` subdirectories under /many. */
function subdirs(count: number): Tree {
  const tree = new Tree(T);
  for (let i = 0; i < count; i++) tree.put(`/many/d${i}`, makeNode(meta('dir')));
  return tree;
}

describe('numbering inodes', () => {
  it('goes breadth-first in byte order of names, whatever order they arrived in, and numbers a hard link once', () => {
    const tree = new Tree(T);
    const shared = makeNode(meta('file'));
    tree.put('/b', shared);
    tree.put('/ä/y', makeNode(meta('file')));
    tree.put('/a/x', shared);
    tree.put('/B', makeNode(meta('fifo')));
    const { inodes, inoOf } = numberInodes(tree);
    // B (0x42) < a < b < ä (0xc3 0xa4); then a's and ä's contents.
    expect(inodes.map((i) => i.ino)).toEqual([2, 11, 12, 13, 14, 15]);
    const ino = (path: string): number | undefined => inoOf.get(tree.get(path) as TreeNode);
    expect([ino('/B'), ino('/a'), ino('/a/x'), ino('/b'), ino('/ä'), ino('/ä/y')]).toEqual([11, 12, 13, 13, 14, 15]);
    expect(inodes.find((i) => i.ino === 13)?.links).toBe(2);
    expect(inodes.find((i) => i.ino === 12)).toMatchObject({ links: 2, parent: 2 });
    expect(inodes[0]).toMatchObject({ links: 4, parent: 2 });
  });

  it.each([
    [64_998, LINK_MAX],
    [64_999, DIR_NLINK_OVERFLOW],
  ])('a directory with %i subdirectories has %i links (dir_nlink)', (count, links) => {
    const { inodes } = numberInodes(subdirs(count));
    expect(inodes.find((i) => i.ino === 11)?.links).toBe(links);
  });
});

describe('directory blocks', () => {
  const entry = (ino: number, name: string) => ({ ino, name: Buffer.from(name), type: 1 });

  it('chain record lengths to the end of each block, with the checksum tail when asked', () => {
    const entries = Array.from({ length: 300 }, (_, i) => entry(20 + i, `a-fairly-long-file-name-${i}`));
    for (const csum of [undefined, fsIdentity({ seed: 's', metadataCsum: true }).csum]) {
      const data = linearBlocks(12, 2, entries, csum);
      const end = csum ? DIRENT_TAIL_OFFSET : BLOCK_SIZE;
      const names: string[] = [];
      for (let b = 0; b < data.length / BLOCK_SIZE; b++) {
        let at = b * BLOCK_SIZE;
        while (at < b * BLOCK_SIZE + end) {
          const d = Dirent.read(data, at);
          names.push(data.subarray(at + Dirent.size, at + Dirent.size + d.nameLen).toString());
          at += d.recLen;
        }
        expect(at).toBe(b * BLOCK_SIZE + end);
        if (csum) expect(DirentTail.get(data, b * BLOCK_SIZE + DIRENT_TAIL_OFFSET, 'recLen')).toBe(DirentTail.size);
      }
      expect(names).toEqual(['.', '..', ...entries.map((e) => e.name.toString())]);
    }
  });

  it('become an htree only with dir_index and more than one block', () => {
    const tree = new Tree(T);
    for (let i = 0; i < 400; i++) tree.put(`/big/name-${i}`, makeNode(meta('file')));
    tree.put('/small/a', makeNode(meta('file')));
    const numbering = numberInodes(tree);
    const [big, small] = [tree.get('/big'), tree.get('/small')].map((n) => numbering.inodes.find((i) => i.node === n) as NumberedInode);
    expect(encodeDirectory(big as NumberedInode, numbering, format)).toMatchObject({ indexed: false });
    expect(encodeDirectory(big as NumberedInode, numbering, { ...format, dirIndex: true })).toMatchObject({ indexed: true });
    expect(encodeDirectory(small as NumberedInode, numbering, { ...format, dirIndex: true })).toMatchObject({ indexed: false });
  });

  it('are placed after the data, directories only, with the htree flag on indexed ones', async () => {
    const tree = new Tree(T);
    for (let i = 0; i < 400; i++) tree.put(`/big/name-${i}`, makeNode(meta('file')));
    const s = space();
    const placed = await placeDirectories(numberInodes(tree), s, { ...format, dirIndex: true });
    const big = placed.find((p) => p.node === tree.get('/big'));
    expect(big?.flags).toBe(InodeFlag.index);
    // In inode order: the root's one block first, then /big's.
    expect(big?.extents[0]?.start).toBe(new Allocator().next + 1);
    expect(placed.filter((p) => p.node.meta.type === 'file').every((p) => p.extents.length === 0 && p.flags === 0)).toBe(true);
    expect(s.disk.blocks.size).toBe(placed.reduce((n, p) => n + p.extents.reduce((m, e) => m + e.len, 0), 0));
  });
});

describe('extent trees', () => {
  const scattered = (count: number): Extent[] => Array.from({ length: count }, (_, i) => ({ logical: 2 * i, start: 100_000 + 2 * i, len: 1 }));

  it.each([
    [4, 0, 0],
    [5, 1, 1],
    [4 * 340, 1, 4],
    [4 * 340 + 1, 2, 6],
  ])('%i extents: depth %i, %i tree blocks', async (count, depth, blocks) => {
    const s = space();
    const tree = await writeExtentTree(11, scattered(count), s, undefined);
    expect(ExtentHeader.read(tree.root)).toMatchObject({ depth, max: 4 });
    expect(tree.treeBlocks).toHaveLength(blocks);
    expect([...s.disk.blocks.keys()]).toEqual(tree.treeBlocks);
    for (const b of tree.treeBlocks) expect(ExtentHeader.get(s.disk.blocks.get(b) as Buffer, 0, 'max')).toBe(340);
  });

  it('a fast symlink keeps its target in i_block; a device its number; neither gets blocks', async () => {
    const s = space();
    const link = await writeInodeData({ node: makeNode(meta('symlink', { linkTarget: 'x'.repeat(59) })), ino: 11, links: 1, parent: 2, extents: [], flags: 0 }, s, undefined);
    expect(link.iblock.subarray(0, 59).toString()).toBe('x'.repeat(59));
    expect(link.flags & InodeFlag.extents).toBe(0);
    const device = await writeInodeData({ node: makeNode(meta('block', { devMajor: 8, devMinor: 1 })), ino: 12, links: 1, parent: 2, extents: [], flags: 0 }, s, undefined);
    expect(device.iblock.readUInt32LE(0)).toBe(0x0801);
    expect(s.disk.blocks.size).toBe(0);
  });
});

describe('extended attributes', () => {
  it('go in the inode when they fit, else in a block, and are refused when a block is too small', async () => {
    const s = space();
    expect(await writeXattrs(new Map([['user.a', Buffer.alloc(68)]]), s, undefined)).toMatchObject({ block: 0, inline: expect.any(Buffer) });
    expect(await writeXattrs(new Map([['user.a', Buffer.alloc(69)]]), s, undefined)).toEqual({ block: new Allocator().next });
    await expect(writeXattrs(new Map([['user.a', Buffer.alloc(4041)]]), s, undefined)).rejects.toThrow(/CUBE3003/);
    expect(await writeXattrs(new Map([['user.a', Buffer.alloc(4040)]]), s, undefined)).toMatchObject({ block: new Allocator().next + 1 });
  });

  it('POSIX ACLs are stored in ext4 form: ids only on named users and groups', () => {
    // user::rwx, user:1000:r-x, other::--- in the VFS form, where every entry has an id.
    const vfs = Buffer.concat([
      AclHeader.encode({ version: 2 }),
      AclVfsEntry.encode({ tag: 1, perm: 7, id: 0xffffffff }),
      AclVfsEntry.encode({ tag: 2, perm: 5, id: 1000 }),
      AclVfsEntry.encode({ tag: 32, perm: 0, id: 0xffffffff }),
    ]);
    const disk = aclToDisk(vfs);
    expect(disk.readUInt32LE(0)).toBe(1);
    expect(AclShortEntry.read(disk, 4)).toEqual({ tag: 1, perm: 7 });
    expect(AclEntry.read(disk, 8)).toEqual({ tag: 2, perm: 5, id: 1000 });
    expect(AclShortEntry.read(disk, 16)).toEqual({ tag: 32, perm: 0 });
    expect(disk.length).toBe(20);
    expect(aclToDisk(Buffer.from('not an acl'))).toEqual(Buffer.from('not an acl'));
  });
});

describe('group metadata', () => {
  it('counts every block and inode once, and puts a superblock copy in each backup group', async () => {
    const tree = new Tree(T);
    for (let i = 0; i < 50; i++) tree.put(`/d${i % 5}/f${i}`, makeNode(meta('file')));
    const s = space();
    const numbering = numberInodes(tree);
    const sealed = [];
    for (const p of await placeDirectories(numbering, s, format)) sealed.push(await writeInodeData(p, s, undefined));
    const used = 10 + numbering.inodes.length - 1;
    const layout = planLayout(s.allocator.next, used, { free: 300 << 20 });
    expect(layout.groups).toBe(3);
    const tables = inodeTables(layout, sealed, undefined);
    const groups = groupMetadata(layout, blockBitmap(layout, sealed), tables, undefined);
    expect(groups.freeInodes).toBe(layout.groups * layout.inodesPerGroup - used);
    const dataBlocks = sealed.reduce((n, i) => n + i.extents.reduce((m, e) => m + e.len, 0), 0);
    const metadata = 2 * (1 + layout.gdtBlocks) + layout.groups * (2 + layout.inodesPerGroup / 16);
    expect(groups.freeBlocks).toBe(layout.blocks - dataBlocks - metadata);
    expect(tables.usedDirs.reduce((a, b) => a + b, 0)).toBe(6);
    const identity = fsIdentity({ seed: 's' });
    const copies = superblockBlocks({ layout, groups, identity, options: {}, journal: undefined });
    expect([...copies.keys()]).toEqual([0, BLOCKS_PER_GROUP]);
    expect(Superblock.read(copies.get(0) as Buffer, SUPERBLOCK_OFFSET)).toMatchObject({ blockGroupNumber: 0, freeBlocksCountLo: groups.freeBlocks, freeInodesCount: groups.freeInodes });
    expect(Superblock.read(copies.get(BLOCKS_PER_GROUP) as Buffer, 0)).toMatchObject({ blockGroupNumber: 1, uuid: identity.uuid });
  });
});
