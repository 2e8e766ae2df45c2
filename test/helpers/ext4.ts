/**
 * Writing test images with cube's ext4 writer and reading them back without root: `e2fsck -fn`
 * must be silent, and `debugfs` reports each path's type, mode, owner, size, times, link
 * target, device numbers, extended attributes, inode number and content hash.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, expect } from 'vitest';
import type { EntryMeta } from '../../src/core/tree-writer.js';
import { createExt4Writer } from '../../src/executor/ext4/index.js';
import type { Ext4Options, Ext4Result } from '../../src/executor/ext4/index.js';
import { nameFromBytes } from '../../src/core/names.js';

/** One operation on the writer. */
export type Op =
  | { readonly op: 'create'; readonly path: string; readonly meta: EntryMeta; readonly data?: Uint8Array | readonly Uint8Array[] }
  | { readonly op: 'link'; readonly target: string; readonly path: string }
  | { readonly op: 'remove'; readonly path: string };

/** A directory for test images, removed by the caller. */
export async function imageDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'cube-ext4-'));
}

/** A directory for one test file's images: made before its tests, removed after them. Call at the top level of the file. */
export function useImageDir(): () => string {
  let dir: string | undefined;
  beforeAll(async () => {
    dir = await imageDir();
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  return () => {
    if (!dir) throw new Error('the image directory exists only while the tests run');
    return dir;
  };
}

/** Writes `ops` into a new image at `path`. */
export async function writeImage(path: string, ops: readonly Op[], options: Partial<Ext4Options> = {}): Promise<Ext4Result> {
  const writer = await createExt4Writer(path, { seed: 'test', ...options });
  try {
    for (const o of ops) {
      if (o.op === 'create') {
        await writer.create(o.path, o.meta);
        const chunks = o.data === undefined ? [] : o.data instanceof Uint8Array ? [o.data] : o.data;
        for (const chunk of chunks) await writer.write(chunk);
      } else if (o.op === 'link') await writer.link(o.target, o.path);
      else await writer.remove(o.path);
    }
  } catch (error) {
    await writer.abort();
    throw error;
  }
  return writer.close();
}

/** Runs `e2fsck -fn` and fails the test on any complaint. */
export async function expectClean(path: string): Promise<void> {
  const result = await execa('e2fsck', ['-fn', path], { reject: false });
  expect(result.exitCode, `${result.stdout}\n${result.stderr}`).toBe(0);
}

/** What debugfs says about one path. */
export interface ReadBack {
  readonly inode: number;
  readonly type: string;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  readonly links: number;
  readonly mtime: { sec: number; nsec: number };
  readonly linkTarget?: string;
  readonly device?: { major: number; minor: number };
  readonly xattrs: Record<string, string>;
  readonly sha256?: string;
}

function parseStat(text: string): Omit<ReadBack, 'sha256'> {
  const num = (re: RegExp): number => Number(re.exec(text)?.[1] ?? NaN);
  const mtime = /mtime: 0x([0-9a-f]+):([0-9a-f]+)/.exec(text);
  const lo = mtime ? parseInt(mtime[1] as string, 16) : 0;
  const extra = mtime ? parseInt(mtime[2] as string, 16) : 0;
  const sec = (lo | 0) + (extra & 3) * 2 ** 32;
  const xattrs: Record<string, string> = {};
  const section = /Extended attributes:\n((?: {2}.*\n)*)/.exec(text + '\n');
  for (const line of section?.[1]?.split('\n') ?? []) {
    const m = /^ {2}(\S+) \((\d+)\)(?: = (.*))?$/.exec(line);
    if (m) xattrs[m[1] as string] = m[3] ?? `(${m[2]} bytes)`;
  }
  const device = /Device major\/minor number: (\d+):(\d+)/.exec(text);
  const link = /Fast link dest: "(.*)"/.exec(text);
  return {
    inode: num(/Inode: (\d+)/),
    type: /Type: (\S+)/.exec(text)?.[1] ?? '?',
    mode: parseInt(/Mode:\s+(\d+)/.exec(text)?.[1] ?? '0', 8),
    // debugfs prints 32-bit ids as signed numbers.
    uid: num(/User:\s+(-?\d+)/) >>> 0,
    gid: num(/Group:\s+(-?\d+)/) >>> 0,
    size: num(/Size: (\d+)/),
    links: num(/Links: (\d+)/),
    mtime: { sec, nsec: extra >>> 2 },
    ...(link ? { linkTarget: link[1] as string } : {}),
    ...(device ? { device: { major: Number(device[1]), minor: Number(device[2]) } } : {}),
    xattrs,
  };
}

/** Reads paths back with one debugfs run: metadata via `stat`, contents via `dump`. */
export async function readBack(image: string, paths: readonly string[], options: { contents?: boolean } = {}): Promise<Map<string, ReadBack>> {
  const contents = options.contents ?? true;
  const work = await mkdtemp(join(tmpdir(), 'cube-readback-'));
  try {
    const commands = paths.flatMap((p, i) => [`stat "${p}"`, contents ? `dump "${p}" ${join(work, String(i))}` : 'pwd']);
    await writeFile(join(work, 'commands'), commands.join('\n') + '\n');
    const result = await execa('debugfs', ['-f', join(work, 'commands'), image], { reject: false, maxBuffer: 1 << 30 });
    const blocks = result.stdout.split(/^debugfs: /m).slice(1);
    const out = new Map<string, ReadBack>();
    for (const [i, p] of paths.entries()) {
      const text = blocks[i * 2] ?? '';
      const info = parseStat(text);
      let sha256: string | undefined;
      if (info.type === 'regular' && contents) sha256 = createHash('sha256').update(await readFile(join(work, String(i)))).digest('hex');
      if (info.type === 'symlink' && info.linkTarget === undefined) {
        const target = await execa('debugfs', ['-R', `cat "${p}"`, image], { reject: false });
        out.set(p, { ...info, linkTarget: target.stdout, ...(sha256 ? { sha256 } : {}) });
        continue;
      }
      out.set(p, { ...info, ...(sha256 ? { sha256 } : {}) });
    }
    return out;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** SHA-256 of bytes, hex. */
export function sha(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The UUID `mke2fsImage` gives its image. */
export const MKE2FS_UUID = '11111111-2222-4333-8444-555555555555';

/** Entries of the indexed directory `/big` in `mke2fsImage`. */
export const MKE2FS_BIG_ENTRIES = 300;

/**
 * An image made by e2fsprogs rather than cube, to check cube's field tables and checksums
 * against: 4 KiB blocks, 256-byte inodes, 32-byte group descriptors, metadata_csum seeded from
 * the UUID, a journal. The root has a small attribute in the inode, `/d` one in a block, and
 * `/big` holds MKE2FS_BIG_ENTRIES fifos, indexed by `e2fsck -D`.
 */
export async function mke2fsImage(path: string): Promise<void> {
  await execa('mke2fs', ['-q', '-F', '-t', 'ext4', '-b', '4096', '-I', '256', '-O', 'metadata_csum,^64bit,^metadata_csum_seed', '-U', MKE2FS_UUID, path, '16M']);
  const value = `${path}.value`;
  const commands = `${path}.commands`;
  await writeFile(value, Buffer.alloc(3000, 0x61));
  const fifos = Array.from({ length: MKE2FS_BIG_ENTRIES }, (_, i) => `mknod entry-with-a-long-name-${i} p`);
  await writeFile(commands, ['ea_set / user.test hello', 'mkdir /d', `ea_set -f ${value} /d user.big`, 'mkdir /big', 'cd /big', ...fifos, ''].join('\n'));
  try {
    await execa('debugfs', ['-w', '-f', commands, path]);
  } finally {
    await rm(value, { force: true });
    await rm(commands, { force: true });
  }
  // -D rebuilds every directory, indexing those over a block; exit code 1 means "fixed", which is the point.
  const fsck = await execa('e2fsck', ['-fyD', path], { reject: false });
  expect(fsck.exitCode, fsck.stdout).toBeLessThanOrEqual(1);
}

/** Runs one debugfs request against an image and returns what it printed. */
export async function debugfs(image: string, request: string): Promise<string> {
  return (await execa('debugfs', ['-R', request, image], { maxBuffer: 1 << 28 })).stdout;
}

/** One entry of {@link listTree}: inode number, mode (type and permission bits) and, for symlinks, the target's bytes. */
export interface ListedEntry {
  readonly ino: number;
  readonly mode: number;
}

/**
 * Every path of an image, read back with debugfs by inode number (so no name is ever quoted or
 * decoded), as names in cube's byte-exact form (src/core/names.ts): `nameFromBytes` of the bytes
 * ext4 holds. One debugfs run per level of the tree.
 */
export async function listTree(image: string): Promise<Map<string, ListedEntry>> {
  const out = new Map<string, ListedEntry>();
  let level: { path: string; ino: number }[] = [{ path: '', ino: 2 }];
  const work = await mkdtemp(join(tmpdir(), 'cube-list-'));
  try {
    while (level.length > 0) {
      await writeFile(join(work, 'commands'), level.map((d) => `ls -p <${d.ino}>`).join('\n') + '\n');
      const result = await execa('debugfs', ['-f', join(work, 'commands'), image], { encoding: 'buffer', reject: false, maxBuffer: 1 << 30 });
      // Each listing follows the echo of its command; a name never holds `/`, so fields split exactly.
      const sections = Buffer.from(result.stdout).toString('latin1').split(/^debugfs: ls -p <\d+>\n/m).slice(1);
      const next: { path: string; ino: number }[] = [];
      for (const [i, dir] of level.entries()) {
        for (const m of (sections[i] ?? '').matchAll(/^\/(\d+)\/(\d+)\/\d+\/\d+\/([^/]*)\/\d*\/$/gm)) {
          const name = nameFromBytes(Buffer.from(m[3] as string, 'latin1'));
          if (name === '.' || name === '..') continue;
          const entry = { ino: Number(m[1]), mode: parseInt(m[2] as string, 8) };
          const path = `${dir.path}/${name}`;
          out.set(path, entry);
          if ((entry.mode & 0o170000) === 0o040000) next.push({ path, ino: entry.ino });
        }
      }
      level = next;
    }
    return out;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The bytes of a symlink's target, by inode number (fast or slow symlink alike). */
export async function symlinkTarget(image: string, ino: number): Promise<Buffer> {
  const result = await execa('debugfs', ['-R', `cat <${ino}>`, image], { encoding: 'buffer', reject: false });
  const text = Buffer.from(result.stdout);
  // debugfs `cat` on a fast symlink prints nothing; `stat` shows it quoted.
  if (text.length > 0) return text;
  const stat = Buffer.from((await execa('debugfs', ['-R', `stat <${ino}>`, image], { encoding: 'buffer' })).stdout).toString('latin1');
  const size = Number(/Size: (\d+)/.exec(stat)?.[1] ?? 0);
  const at = stat.indexOf('Fast link dest: "') + 'Fast link dest: "'.length;
  return Buffer.from(stat.slice(at, at + size), 'latin1');
}
