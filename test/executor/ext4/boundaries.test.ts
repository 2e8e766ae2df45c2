/**
 * A table of images aimed at the format's boundaries: where a symlink stops fitting in the
 * inode, where a file takes another block, where an extent reaches its longest, where a
 * directory's link count overflows, where an htree needs a second level; and one of each
 * special file. Every image passes `e2fsck -fn` and is read back with debugfs.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { EARLIEST_TIME, LATEST_TIME } from '../../../src/core/tree-writer.js';
import type { EntryMeta } from '../../../src/core/tree-writer.js';
import type { Ext4Options } from '../../../src/executor/ext4/index.js';
import { BLOCK_SIZE, BLOCKS_PER_GROUP, DEVICE_MAJOR_MAX, DEVICE_MINOR_MAX, MAX_EXTENT_LENGTH, MAX_FILE_SIZE, SYMLINK_MAX } from '../../../src/executor/ext4/format/index.js';
import { debugfs, expectClean, useImageDir, readBack, sha, writeImage } from '../../helpers/ext4.js';
import type { Op } from '../../helpers/ext4.js';

const dir = useImageDir();

const T = { sec: 1_700_000_000, nsec: 0 };
const meta = (type: EntryMeta['type'], extra: Partial<EntryMeta> = {}): EntryMeta => ({ type, mode: type === 'dir' ? 0o755 : 0o644, uid: 0, gid: 0, mtime: T, ...extra });
const file = (path: string, data: Buffer): Op => ({ op: 'create', path, meta: meta('file', { size: data.length }), data });
const CHUNK = Buffer.alloc(1 << 20, 0x5a);
/** A file of `blocks` whole blocks of non-zero data, streamed in 1 MiB chunks. */
const blocksFile = (path: string, blocks: number): Op => {
  const size = blocks * BLOCK_SIZE;
  const chunks = Array.from({ length: Math.ceil(size / CHUNK.length) }, (_, i) => CHUNK.subarray(0, Math.min(CHUNK.length, size - i * CHUNK.length)));
  return { op: 'create', path, meta: meta('file', { size }), data: chunks };
};
/**
 * Data up to the end of group 0, so the next file starts in group 1 with a run that does not meet
 * a superblock copy until group 3: its extents then end only where the extent length limit says.
 */
const FILLER = blocksFile('/filler', BLOCKS_PER_GROUP - 33);

/** `debugfs ex` as [logical start, length] pairs of the leaf extents. */
async function extents(image: string, path: string): Promise<[number, number][]> {
  const out = await debugfs(image, `ex "${path}"`);
  return [...out.matchAll(/^\s*\d+\/\s*\d+\s+\d+\/\s*\d+\s+(\d+)\s*-\s*\d+\s+\d+\s*-\s*\d+\s+(\d+)\s*$/gm)].map((m) => [Number(m[1]), Number(m[2])]);
}

interface Case {
  readonly name: string;
  readonly ops: () => Op[];
  readonly options?: Partial<Ext4Options>;
  readonly check: (image: string) => Promise<void>;
}

const cases: readonly Case[] = [
  {
    name: 'a 59-byte symlink is fast: its target stays in the inode',
    ops: () => [{ op: 'create', path: '/l', meta: meta('symlink', { mode: 0o777, linkTarget: 'a'.repeat(59) }) }],
    check: async (image) => {
      expect((await readBack(image, ['/l'])).get('/l')).toMatchObject({ type: 'symlink', size: 59, linkTarget: 'a'.repeat(59) });
      expect(await debugfs(image, 'stat /l')).toMatch(/Fast link dest: "a{59}"/);
    },
  },
  {
    name: 'a 60-byte symlink takes a block',
    ops: () => [{ op: 'create', path: '/l', meta: meta('symlink', { mode: 0o777, linkTarget: 'b'.repeat(60) }) }],
    check: async (image) => {
      expect((await readBack(image, ['/l'])).get('/l')).toMatchObject({ type: 'symlink', size: 60, linkTarget: 'b'.repeat(60) });
      const stat = await debugfs(image, 'stat /l');
      expect(stat).not.toMatch(/Fast link dest/);
      expect(stat).toMatch(/Blockcount: 8\b/);
    },
  },
  {
    name: 'the longest symlink target (4095 bytes) takes one block',
    ops: () => [{ op: 'create', path: '/l', meta: meta('symlink', { mode: 0o777, linkTarget: 'c'.repeat(SYMLINK_MAX) }) }],
    check: async (image) => {
      expect((await readBack(image, ['/l'])).get('/l')).toMatchObject({ type: 'symlink', size: SYMLINK_MAX, linkTarget: 'c'.repeat(SYMLINK_MAX) });
    },
  },
  {
    name: 'the longest name (255 bytes, in 2-byte characters and one more byte)',
    ops: () => [file(`/${'é'.repeat(127)}x`, Buffer.from('n'))],
    check: async (image) => {
      expect((await readBack(image, [`/${'é'.repeat(127)}x`])).get(`/${'é'.repeat(127)}x`)).toMatchObject({ type: 'regular', size: 1 });
    },
  },
  {
    name: 'the largest device numbers (4095:1048575) and the earliest and latest times',
    ops: () => [
      { op: 'create', path: '/dev/max', meta: meta('block', { devMajor: DEVICE_MAJOR_MAX, devMinor: DEVICE_MINOR_MAX }) },
      { op: 'create', path: '/early', meta: meta('fifo', { mtime: { sec: EARLIEST_TIME, nsec: 0 } }) },
      { op: 'create', path: '/late', meta: meta('fifo', { mtime: { sec: LATEST_TIME, nsec: 999_999_999 } }) },
    ],
    check: async (image) => {
      const back = await readBack(image, ['/dev/max', '/early', '/late'], { contents: false });
      expect(back.get('/dev/max')?.device).toEqual({ major: DEVICE_MAJOR_MAX, minor: DEVICE_MINOR_MAX });
      expect(back.get('/early')?.mtime).toEqual({ sec: EARLIEST_TIME, nsec: 0 });
      expect(back.get('/late')?.mtime).toEqual({ sec: LATEST_TIME, nsec: 999_999_999 });
      // e2fsck reports a time it takes for a mis-encoded pre-1970 one without failing: it must say nothing.
      expect((await execa('e2fsck', ['-fn', image])).stdout).not.toMatch(/Timestamp/);
    },
  },
  {
    name: 'the largest file (16 TiB less 4 KiB), sparse: one block of data at its end',
    ops: () => [{ op: 'create', path: '/huge', meta: meta('file', { size: MAX_FILE_SIZE, sparse: [{ offset: MAX_FILE_SIZE - 4, length: 4 }] }), data: Buffer.from('tail') }],
    check: async (image) => {
      expect((await readBack(image, ['/huge'], { contents: false })).get('/huge')?.size).toBe(MAX_FILE_SIZE);
      expect(await debugfs(image, 'stat /huge')).toMatch(/Blockcount: 8\b/);
    },
  },
  ...[4095, 4096, 4097].map((size): Case => ({
    name: `a ${size}-byte file takes ${Math.ceil(size / BLOCK_SIZE)} block(s)`,
    ops: () => [file('/f', Buffer.alloc(size, size % 251))],
    check: async (image) => {
      expect((await readBack(image, ['/f'])).get('/f')).toMatchObject({ size, sha256: sha(Buffer.alloc(size, size % 251)) });
      expect(await debugfs(image, 'stat /f')).toMatch(new RegExp(`Blockcount: ${Math.ceil(size / BLOCK_SIZE) * 8}\\b`));
    },
  })),
  {
    name: 'a file of exactly the longest extent has one extent',
    ops: () => [FILLER, blocksFile('/one', MAX_EXTENT_LENGTH)],
    check: async (image) => {
      expect(await extents(image, '/one')).toEqual([[0, MAX_EXTENT_LENGTH]]);
      expect((await readBack(image, ['/one'], { contents: false })).get('/one')?.size).toBe(MAX_EXTENT_LENGTH * BLOCK_SIZE);
    },
  },
  {
    name: 'a file one block longer needs two',
    ops: () => [FILLER, blocksFile('/two', MAX_EXTENT_LENGTH + 1)],
    check: async (image) => {
      expect(await extents(image, '/two')).toEqual([
        [0, MAX_EXTENT_LENGTH],
        [MAX_EXTENT_LENGTH, 1],
      ]);
    },
  },
  {
    name: 'a directory of 65,000 subdirectories has link count 1 (dir_nlink), each subdirectory 2',
    ops: () => Array.from({ length: 65_000 }, (_, i): Op => ({ op: 'create', path: `/many/d${i}`, meta: meta('dir') })),
    options: { metadataCsum: true },
    check: async (image) => {
      const back = await readBack(image, ['/many', '/many/d0', '/many/d64999'], { contents: false });
      expect(back.get('/many')).toMatchObject({ type: 'directory', links: 1 });
      expect(back.get('/many/d64999')).toMatchObject({ type: 'directory', links: 2 });
      expect((await debugfs(image, 'ls /many')).match(/\bd\d+\b/g)).toHaveLength(65_000);
    },
  },
  {
    name: 'an htree directory of 100,000 entries needs a second index level, and e2fsck checks every hash',
    ops: () => Array.from({ length: 100_000 }, (_, i): Op => ({ op: 'create', path: `/wide/entry-${i}${i % 9 === 0 ? '-ünï' : ''}`, meta: meta('file', { size: 0 }) })),
    options: { dirIndex: true, metadataCsum: true },
    check: async (image) => {
      expect(await debugfs(image, 'htree_dump /wide')).toMatch(/Indirect levels: 1/);
      expect((await debugfs(image, 'ls /wide')).match(/entry-\d+/g)).toHaveLength(100_000);
      const back = await readBack(image, ['/wide/entry-0-ünï', '/wide/entry-99998'], { contents: false });
      expect([...back.values()].map((b) => b.type)).toEqual(['regular', 'regular']);
    },
  },
  {
    name: 'more inodes than two groups hold: a third group, without a superblock copy',
    ops: () => Array.from({ length: 70_000 }, (_, i): Op => ({ op: 'create', path: `/files/f${i}`, meta: meta('file', { size: 0 }) })),
    check: async (image) => {
      expect(await debugfs(image, 'stats')).toMatch(/Group\s+2: block bitmap at/);
      expect((await readBack(image, ['/files/f69999'], { contents: false })).get('/files/f69999')?.type).toBe('regular');
    },
  },
  {
    name: 'a block device',
    ops: () => [{ op: 'create', path: '/dev/sda', meta: meta('block', { mode: 0o660, gid: 6, devMajor: 8, devMinor: 0 }) }],
    check: async (image) => {
      expect((await readBack(image, ['/dev/sda'])).get('/dev/sda')).toMatchObject({ type: 'block', mode: 0o660, gid: 6, device: { major: 8, minor: 0 } });
    },
  },
  {
    name: 'a fifo',
    ops: () => [{ op: 'create', path: '/run/pipe', meta: meta('fifo', { mode: 0o600 }) }],
    check: async (image) => {
      expect((await readBack(image, ['/run/pipe'])).get('/run/pipe')).toMatchObject({ type: 'FIFO', mode: 0o600, size: 0 });
    },
  },
  {
    name: 'a hard link: one inode, two names, link count 2',
    ops: () => [file('/a', Buffer.from('shared')), { op: 'link', target: '/a', path: '/sub/b' }],
    check: async (image) => {
      const back = await readBack(image, ['/a', '/sub/b']);
      expect(back.get('/a')).toMatchObject({ links: 2, sha256: sha('shared') });
      expect(back.get('/sub/b')?.inode).toBe(back.get('/a')?.inode);
    },
  },
];

describe('boundaries', () => {
  it.each(cases.map((c, i) => [c.name, c, i] as const))('%s', async (_, c, i) => {
    const image = join(dir(), `boundary-${i}.ext4`);
    await writeImage(image, c.ops(), c.options);
    await expectClean(image);
    await c.check(image);
    await rm(image);
  }, 300_000);
});
