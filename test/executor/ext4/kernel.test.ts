/**
 * The kernel's ext4 driver and mke2fs as judges (both need root): a read-only loop mount of a
 * cube image must show exactly what was written, and cube and `mke2fs -d` must agree on the
 * same host tree.
 */
import { chown, lstat, mkdir, readFile, readlink, symlink, utimes, writeFile, link, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { createExt4Writer } from '../../../src/executor/ext4/index.js';
import { aclXattr } from '../../../src/executor/flatten/tar-entry.js';
import { expectClean, useImageDir, readBack, sha, writeImage } from '../../helpers/ext4.js';

const isRoot = process.getuid?.() === 0;
const ACL = aclXattr('user::rwx,user:1000:r-x,group::r-x,mask::r-x,other::---') as Uint8Array;
const dir = useImageDir();

async function withMount<T>(image: string, use: (mnt: string) => Promise<T>): Promise<T> {
  const mnt = join(dir(), `mnt-${Math.random().toString(36).slice(2)}`);
  await mkdir(mnt);
  await execa('mount', ['-o', 'loop,ro', image, mnt]);
  try {
    return await use(mnt);
  } finally {
    await execa('umount', [mnt]);
  }
}

async function getxattr(path: string, name: string): Promise<string> {
  const out = await execa('python3', ['-c', 'import os,sys; print(os.getxattr(sys.argv[1], sys.argv[2], follow_symlinks=False).hex())', path, name]);
  return out.stdout.trim();
}

describe('the kernel reads cube images', () => {
  it.runIf(isRoot)('a read-only loop mount (journal, metadata_csum and dir_index on) shows every entry as written (needs root)', async () => {
    const image = join(dir(), 'kernel.ext4');
    const T = { sec: 1_650_000_000, nsec: 987_654_321 };
    const content = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 31) % 256));
    const cap = Buffer.from('0100000200200000000000000000000000000000', 'hex');
    await writeImage(image, [
      { op: 'create', path: '/srv/data.bin', meta: { type: 'file', mode: 0o4750, uid: 1234, gid: 5678, mtime: T, size: content.length, xattrs: new Map([['security.capability', cap], ['user.note', Buffer.from('hello')]]) }, data: content },
      { op: 'link', target: '/srv/data.bin', path: '/srv/again.bin' },
      { op: 'create', path: '/srv/link', meta: { type: 'symlink', mode: 0o777, uid: 0, gid: 0, mtime: T, linkTarget: 'data.bin' } },
      { op: 'create', path: '/dev/tty0', meta: { type: 'char', mode: 0o620, uid: 0, gid: 5, mtime: T, devMajor: 4, devMinor: 0 } },
      { op: 'create', path: '/run/pipe', meta: { type: 'fifo', mode: 0o600, uid: 0, gid: 0, mtime: T } },
      { op: 'create', path: '/acl', meta: { type: 'file', mode: 0o750, uid: 0, gid: 0, mtime: T, size: 0, xattrs: new Map([['system.posix_acl_access', ACL]]) } },
      { op: 'create', path: '/holes', meta: { type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: T, size: 1 << 28, sparse: [{ offset: (1 << 28) - 5, length: 5 }] }, data: Buffer.from('tail!') },
      ...Array.from({ length: 3000 }, (_, i) => ({ op: 'create' as const, path: `/big/entry-${i}`, meta: { type: 'file' as const, mode: 0o644, uid: 0, gid: 0, mtime: T, size: 0 } })),
    ], { metadataCsum: true, journal: true, dirIndex: true });
    await expectClean(image);
    await withMount(image, async (mnt) => {
      const s = await lstat(join(mnt, 'srv/data.bin'), { bigint: true });
      expect([Number(s.mode) & 0o7777, Number(s.uid), Number(s.gid), Number(s.size), Number(s.nlink)]).toEqual([0o4750, 1234, 5678, content.length, 2]);
      expect(s.mtimeNs).toBe(BigInt(T.sec) * 1_000_000_000n + BigInt(T.nsec));
      expect(sha(await readFile(join(mnt, 'srv/again.bin')))).toBe(sha(content));
      expect(await readlink(join(mnt, 'srv/link'))).toBe('data.bin');
      const tty = await lstat(join(mnt, 'dev/tty0'));
      expect(tty.isCharacterDevice()).toBe(true);
      expect(tty.rdev).toBe(4 * 256);
      expect((await lstat(join(mnt, 'run/pipe'))).isFIFO()).toBe(true);
      expect(await getxattr(join(mnt, 'srv/data.bin'), 'security.capability')).toBe(cap.toString('hex'));
      expect(await getxattr(join(mnt, 'srv/data.bin'), 'user.note')).toBe(Buffer.from('hello').toString('hex'));
      // An htree directory: the kernel finds entries through the index and lists them all.
      expect((await lstat(join(mnt, 'big', 'entry-2999'))).isFile()).toBe(true);
      expect(await readdir(join(mnt, 'big'))).toHaveLength(3000);
      // The kernel reads ext4's on-disk ACL format back into the VFS format cube was given.
      expect(await getxattr(join(mnt, 'acl'), 'system.posix_acl_access')).toBe(Buffer.from(ACL).toString('hex'));
      const holes = await readFile(join(mnt, 'holes'));
      expect(holes.subarray(-5).toString()).toBe('tail!');
      expect(holes.subarray(0, 1 << 20).every((b) => b === 0)).toBe(true);
    });
  }, 120_000);
});

/** Feeds a host directory into the writer, as layers would. */
async function feed(root: string, image: string): Promise<void> {
  const writer = await createExt4Writer(image, { seed: 'differential' });
  const seen = new Map<string, string>();
  const walk = async (hostDir: string, prefix: string): Promise<void> => {
    for (const name of (await readdir(hostDir)).sort()) {
      if (prefix === '' && name === 'lost+found') continue;
      const path = join(hostDir, name);
      const inside = `${prefix}/${name}`;
      const s = await lstat(path, { bigint: true });
      const meta = { mode: Number(s.mode) & 0o7777, uid: Number(s.uid), gid: Number(s.gid), mtime: { sec: Number(s.mtimeNs / 1_000_000_000n), nsec: Number(s.mtimeNs % 1_000_000_000n) } };
      const key = String(s.ino);
      if (!s.isDirectory() && s.nlink > 1n && seen.has(key)) {
        await writer.link(seen.get(key) as string, inside);
        continue;
      }
      if (s.isDirectory()) {
        await writer.create(inside, { type: 'dir', ...meta });
        await walk(path, inside);
      } else if (s.isSymbolicLink()) await writer.create(inside, { type: 'symlink', ...meta, linkTarget: await readlink(path) });
      else if (s.isCharacterDevice() || s.isBlockDevice()) {
        await writer.create(inside, { type: s.isCharacterDevice() ? 'char' : 'block', ...meta, devMajor: Number(s.rdev >> 8n) & 0xfff, devMinor: Number(s.rdev & 0xffn) });
      } else if (s.isFIFO()) await writer.create(inside, { type: 'fifo', ...meta });
      else {
        await writer.create(inside, { type: 'file', ...meta, size: Number(s.size) });
        if (s.size > 0n) await writer.write(await readFile(path));
        seen.set(key, inside);
      }
    }
  };
  await walk(root, '');
  await writer.close();
}

describe('cube and mke2fs -d agree', () => {
  it.runIf(isRoot)('on the same host tree: types, modes, owners, sizes, contents, links, devices (needs root)', async () => {
    const tree = join(dir(), 'tree');
    await mkdir(join(tree, 'etc/deep/er'), { recursive: true });
    await writeFile(join(tree, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\n');
    await writeFile(join(tree, 'etc/deep/er/big'), Buffer.alloc(300_000, 7));
    await writeFile(join(tree, 'setuid'), '#!/bin/sh\n', { mode: 0o4755 });
    await chown(join(tree, 'setuid'), 1000, 1000);
    await link(join(tree, 'etc/passwd'), join(tree, 'passwd-link'));
    await symlink('etc/passwd', join(tree, 'short'));
    await symlink(`/${'x'.repeat(80)}`, join(tree, 'long'));
    await execa('mknod', [join(tree, 'null'), 'c', '1', '3']);
    await execa('mkfifo', [join(tree, 'fifo')]);
    await writeFile(join(tree, 'empty'), '');
    for (const p of ['etc/passwd', 'setuid', 'empty']) await utimes(join(tree, p), 1_600_000_000, 1_600_000_000);
    const theirs = join(dir(), 'mke2fs.ext4');
    const ours = join(dir(), 'cube.ext4');
    await execa('mke2fs', ['-q', '-F', '-t', 'ext4', '-d', tree, theirs, '16M']);
    await feed(tree, ours);
    await expectClean(ours);
    const paths = (await execa('find', ['.', '-mindepth', '1'], { cwd: tree })).stdout.split('\n').map((p) => p.slice(1)).sort();
    const [a, b] = await Promise.all([readBack(theirs, paths), readBack(ours, paths)]);
    // mke2fs -d keeps whole seconds only, and sizes directories its own way: compare the rest.
    const comparable = (r: NonNullable<ReturnType<typeof a.get>>) => {
      const { inode: _inode, xattrs: _xattrs, mtime, ...rest } = r;
      return { ...rest, mtime: mtime.sec };
    };
    for (const p of paths) {
      const mine = comparable(b.get(p) as NonNullable<ReturnType<typeof a.get>>);
      const reference = comparable(a.get(p) as NonNullable<ReturnType<typeof a.get>>);
      if (mine.type === 'directory') {
        expect({ ...mine, size: 0 }, p).toEqual({ ...reference, size: 0 });
      } else expect(mine, p).toEqual(reference);
    }
  }, 120_000);
});
