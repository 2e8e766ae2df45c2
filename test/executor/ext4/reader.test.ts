/**
 * cube's read-only ext4 reader against the tools that know ext4: every path, inode number, type,
 * size, link count and block count it reads must be what debugfs says, on images cube wrote
 * (linear and indexed directories, extent trees, hard links, slow symlinks, devices) and on
 * images mke2fs made (1 KiB blocks, 64-bit descriptors, names that are not UTF-8). A damaged
 * image is a diagnostic, never a crash or a hang.
 */
import { mkdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { DiagnosticError } from '../../../src/core/diagnostics/index.js';
import type { EntryMeta } from '../../../src/core/tree-writer.js';
import { openExt4 } from '../../../src/executor/ext4/index.js';
import type { Ext4Entry } from '../../../src/executor/ext4/index.js';
import { BLOCK_SIZE, Dirent, ExtentHeader, ExtentLeaf, GroupDescriptor, Inode, INODE_SIZE } from '../../../src/executor/ext4/format/index.js';
import { debugfs, expectClean, MKE2FS_BIG_ENTRIES, mke2fsImage, useImageDir, writeImage } from '../../helpers/ext4.js';
import type { Op } from '../../helpers/ext4.js';

const dir = useImageDir();
const T = { sec: 1_700_000_000, nsec: 0 };
const meta = (type: EntryMeta['type'], extra: Partial<EntryMeta> = {}): EntryMeta => ({ type, mode: type === 'dir' ? 0o755 : 0o644, uid: 0, gid: 0, mtime: T, ...extra });
const file = (path: string, size: number, extra: Partial<EntryMeta> = {}): Op => ({ op: 'create', path, meta: meta('file', { size, ...extra }), data: Buffer.alloc(size, 0x61) });
/** Regions of a sparse file one block apart: each is its own extent, so ten need a tree block. */
const regions = Array.from({ length: 10 }, (_, i) => ({ offset: i * 2 * BLOCK_SIZE, length: BLOCK_SIZE }));

const OPS: Op[] = [
  file('/etc/passwd', 100),
  file('/big', 3 * BLOCK_SIZE + 5),
  file('/empty', 0),
  { op: 'create', path: '/sparse', meta: meta('file', { size: 20 * BLOCK_SIZE, sparse: regions }), data: Buffer.alloc(10 * BLOCK_SIZE, 0x62) },
  { op: 'link', target: '/etc/passwd', path: '/hard' },
  { op: 'create', path: '/fast', meta: meta('symlink', { linkTarget: 'x'.repeat(59) }) },
  { op: 'create', path: '/slow', meta: meta('symlink', { linkTarget: 'y'.repeat(60) }) },
  { op: 'create', path: '/dev/null', meta: meta('char', { devMajor: 1, devMinor: 3 }) },
  { op: 'create', path: '/run/fifo', meta: meta('fifo') },
  ...Array.from({ length: 400 }, (_, i): Op => file(`/many/entry-with-a-longer-name-${i}`, i % 3)),
];

/** Every entry of an image, by path (names joined with `/`, as UTF-8). */
async function readAll(path: string): Promise<Map<string, Ext4Entry>> {
  const reader = await openExt4(path);
  try {
    const out = new Map<string, Ext4Entry>();
    for await (const entry of reader.walk()) out.set('/' + entry.names.map((n) => n.toString('utf8')).join('/'), entry);
    return out;
  } finally {
    await reader.close();
  }
}

/** What debugfs says of one path: inode, type, size, links and 512-byte sectors. */
async function debugfsStat(image: string, path: string): Promise<{ ino: number; type: string; size: number; links: number; sectors: number }> {
  const text = await debugfs(image, `stat "${path}"`);
  const num = (re: RegExp): number => Number(re.exec(text)?.[1]);
  return { ino: num(/Inode: (\d+)/), type: /Type: (\S+)/.exec(text)?.[1] ?? '?', size: num(/Size: (\d+)/), links: num(/Links: (\d+)/), sectors: num(/Blockcount: (\d+)/) };
}

const DEBUGFS_TYPES: Record<string, string> = { regular: 'file', directory: 'dir', symlink: 'symlink', character: 'char', block: 'block', FIFO: 'fifo', socket: 'socket' };

/** Checks every entry of `image` against debugfs, and the summary against dumpe2fs. */
async function expectAsDebugfsSays(image: string, entries: ReadonlyMap<string, Ext4Entry>, paths: readonly string[]): Promise<void> {
  for (const path of paths) {
    const theirs = await debugfsStat(image, path);
    const ours = entries.get(path);
    expect(ours, path).toBeDefined();
    expect({ ino: ours?.ino, type: ours?.type, size: ours?.size, links: ours?.links, sectors: (ours?.allocated ?? 0) / 512 }, path).toEqual({ ...theirs, type: DEBUGFS_TYPES[theirs.type] });
  }
}

describe('the ext4 reader on images cube wrote', () => {
  it.each([
    ['linear directories', false],
    ['indexed directories', true],
  ])('reads every path, inode, type, size, link count and block count as debugfs does (%s)', async (_name, dirIndex) => {
    const image = join(dir(), `cube-${dirIndex}.ext4`);
    await writeImage(image, OPS, { dirIndex, journal: true, metadataCsum: true, size: 8 * 1024 * 1024 });
    await expectClean(image);
    const entries = await readAll(image);
    // Every path once (the 13 named outside /many, /dev and /run included), the root and lost+found.
    expect(entries.size).toBe(13 + 400 + 2);
    await expectAsDebugfsSays(image, entries, ['/', '/etc', '/etc/passwd', '/big', '/empty', '/sparse', '/hard', '/fast', '/slow', '/dev/null', '/run/fifo', '/many', '/many/entry-with-a-longer-name-399', '/lost+found']);
    expect(entries.get('/hard')?.ino).toBe(entries.get('/etc/passwd')?.ino);
    // Ten extents outgrow the inode: the tree block counts with the data.
    expect(entries.get('/sparse')?.allocated).toBe(11 * BLOCK_SIZE);
    const reader = await openExt4(image);
    const summary = reader.summary;
    await reader.close();
    const dump = (await execa('dumpe2fs', ['-h', image])).stdout;
    const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(dump)?.[1]);
    expect(summary).toMatchObject({ blockSize: field('Block size'), blocks: field('Block count'), freeBlocks: field('Free blocks'), inodes: field('Inode count'), freeInodes: field('Free inodes') });
  });

  it('walks parents before children, each directory in name-byte order', async () => {
    const image = join(dir(), 'order.ext4');
    await writeImage(image, [file('/b/2', 1), file('/a', 1), file('/b/10', 1), file('/B', 1)]);
    const reader = await openExt4(image);
    const paths: string[] = [];
    for await (const entry of reader.walk()) paths.push('/' + entry.names.join('/'));
    await reader.close();
    expect(paths).toEqual(['/', '/B', '/a', '/b', '/b/10', '/b/2', '/lost+found']);
  });
});

describe('the ext4 reader on images mke2fs made', () => {
  it('reads an indexed directory e2fsck built, with metadata_csum and a journal', async () => {
    const image = join(dir(), 'mke2fs.ext4');
    await mke2fsImage(image);
    const entries = await readAll(image);
    expect([...entries.keys()].filter((p) => p.startsWith('/big/'))).toHaveLength(MKE2FS_BIG_ENTRIES);
    await expectAsDebugfsSays(image, entries, ['/', '/d', '/big', '/big/entry-with-a-long-name-7', '/lost+found']);
  });

  it('reads names as bytes, 1 KiB blocks and 64-bit group descriptors (mke2fs -d of a small tree)', async () => {
    const tree = join(dir(), 'tree');
    const latin1 = Buffer.from('caf\xe9', 'latin1');
    await mkdir(join(tree, 'sub'), { recursive: true });
    await writeFile(Buffer.concat([Buffer.from(join(tree, 'sub') + '/'), latin1]), 'not utf-8 named\n');
    await writeFile(join(tree, 'sub', 'ok'), Buffer.alloc(5000, 1));
    const image = join(dir(), 'small.ext4');
    await execa('mke2fs', ['-q', '-F', '-t', 'ext4', '-b', '1024', '-O', '64bit', '-d', tree, image, '8M']);
    const reader = await openExt4(image);
    const names: Buffer[][] = [];
    for await (const entry of reader.walk()) names.push([...entry.names]);
    expect(reader.summary.blockSize).toBe(1024);
    await reader.close();
    expect(names.some((n) => n.length === 2 && n[0]?.toString() === 'sub' && n[1]?.equals(latin1))).toBe(true);
    const entries = await readAll(image);
    await expectAsDebugfsSays(image, entries, ['/sub', '/sub/ok']);
  });
});

describe('a damaged image', () => {
  const CUBE_IMAGE_OPS: Op[] = [file('/etc/passwd', 100), ...Array.from({ length: 60 }, (_, i): Op => file(`/d/f${i}`, 10))];

  async function damaged(name: string, damage: (image: Buffer) => void): Promise<string> {
    const path = join(dir(), `${name}.ext4`);
    await writeImage(path, CUBE_IMAGE_OPS, { size: 4 * 1024 * 1024 });
    const bytes = await readFile(path);
    damage(bytes);
    await writeFile(path, bytes);
    return path;
  }

  async function expectUnreadable(path: string, message: RegExp): Promise<void> {
    const error = await readAll(path).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DiagnosticError);
    expect((error as DiagnosticError).diagnostics[0]?.code).toBe('CUBE4007');
    expect((error as DiagnosticError).diagnostics[0]?.message).toMatch(message);
  }

  const inodeAt = (image: Buffer, ino: number): number => GroupDescriptor.get(image.subarray(BLOCK_SIZE), 0, 'inodeTableLo') * BLOCK_SIZE + (ino - 1) * INODE_SIZE;

  it('is refused when it is not ext4 at all, or cut short', async () => {
    const zeros = join(dir(), 'zeros.ext4');
    await writeFile(zeros, Buffer.alloc(64 * 1024));
    await expectUnreadable(zeros, /not an ext4 image/);
    const short = join(dir(), 'short.ext4');
    await writeFile(short, Buffer.alloc(100));
    await expectUnreadable(short, /not an ext4 image/);
    const cut = await damaged('cut', () => undefined);
    await truncate(cut, 40 * BLOCK_SIZE);
    await expectUnreadable(cut, /past the end of the image|truncated/);
  });

  it('is refused when a directory block or an extent header is broken', async () => {
    const dirent = await damaged('dirent', (image) => {
      // The root's first directory block: its `.` entry claims a record length of 0.
      const root = Inode.get(image, inodeAt(image, 2), 'block') as Buffer;
      Dirent.set(image, ExtentLeaf.get(root, ExtentHeader.size, 'startLo') * BLOCK_SIZE, 'recLen', 0);
    });
    await expectUnreadable(dirent, /directory/);
    const extent = await damaged('extent', (image) => {
      ExtentHeader.set(image, inodeAt(image, 2) + Inode.offsetOf('block'), 'magic', 0x1234);
    });
    await expectUnreadable(extent, /extent/);
  });

  it('is refused when a directory is its own descendant', async () => {
    const path = join(dir(), 'loop.ext4');
    await writeImage(path, [file('/a/b/c', 1)]);
    await execa('debugfs', ['-w', '-R', 'link /a /a/b/up', path]);
    await expectUnreadable(path, /loop|more than once/);
  });

  it('never throws anything but a diagnostic, whatever bytes of its metadata change', async () => {
    const path = join(dir(), 'fuzz-base.ext4');
    await writeImage(path, CUBE_IMAGE_OPS, { size: 4 * 1024 * 1024, dirIndex: true });
    const original = await readFile(path);
    // The metadata cube writes after the data: inode table, directory and tree blocks, superblock.
    let seed = 12345;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const metadata = [0, 1, ...Array.from({ length: 80 }, (_, i) => 33 + i)];
    const mutant = join(dir(), 'fuzz.ext4');
    for (let round = 0; round < 150; round++) {
      const bytes = Buffer.from(original);
      for (let flips = 0; flips < 4; flips++) {
        const block = metadata[random(metadata.length)] as number;
        bytes[block * BLOCK_SIZE + random(BLOCK_SIZE)] = random(256);
      }
      await writeFile(mutant, bytes);
      const error = await readAll(mutant).then(
        () => undefined,
        (e: unknown) => e,
      );
      if (error !== undefined && !(error instanceof DiagnosticError)) throw error;
    }
  });
});
