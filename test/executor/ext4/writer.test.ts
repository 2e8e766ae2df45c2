/** The ext4 writer, checked by e2fsck and read back through debugfs entry by entry. */
import { stat, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EntryMeta } from '../../../src/core/tree-writer.js';
import { DiagnosticError } from '../../../src/core/diagnostics/index.js';
import { expectClean, useImageDir, readBack, sha, writeImage } from '../../helpers/ext4.js';
import type { Op } from '../../helpers/ext4.js';

const dir = useImageDir();

const T = { sec: 1_700_000_000, nsec: 123_456_789 };
const meta = (type: EntryMeta['type'], extra: Partial<EntryMeta> = {}): EntryMeta => ({ type, mode: type === 'dir' ? 0o755 : 0o644, uid: 0, gid: 0, mtime: T, ...extra });
const file = (path: string, content: Uint8Array | string, extra: Partial<EntryMeta> = {}): Op => {
  const data = typeof content === 'string' ? Buffer.from(content) : content;
  return { op: 'create', path, meta: meta('file', { size: data.length, ...extra }), data };
};
const CAPABILITY = new Uint8Array([0, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

describe('entries round-trip', () => {
  const exact = Buffer.alloc(8192, 0x5a);
  const odd = Buffer.from(Array.from({ length: 10_001 }, (_, i) => i % 251));
  const ops: Op[] = [
    { op: 'create', path: '/etc', meta: meta('dir', { mode: 0o755, mtime: { sec: -86_400, nsec: 1 } }) },
    file('/etc/empty', ''),
    file('/etc/tiny', 'x'),
    file('/etc/exact', exact),
    file('/etc/odd', odd, { uid: 4_000_000_000, gid: 70_000, mode: 0o4755 }),
    file('/future', 'y', { mtime: { sec: 4_102_444_800, nsec: 999_999_999 } }),
    { op: 'create', path: '/tmp', meta: meta('dir', { mode: 0o1777 }) },
    { op: 'create', path: '/sgid', meta: meta('dir', { mode: 0o2775, uid: 1000, gid: 1000 }) },
    { op: 'create', path: '/bin/sh', meta: meta('symlink', { mode: 0o777, linkTarget: 'dash' }) },
    { op: 'create', path: '/slow', meta: meta('symlink', { mode: 0o777, linkTarget: `/${'long/'.repeat(20)}target` }) },
    { op: 'create', path: '/dev/null', meta: meta('char', { mode: 0o666, devMajor: 1, devMinor: 3 }) },
    { op: 'create', path: '/dev/big', meta: meta('block', { mode: 0o660, devMajor: 259, devMinor: 70_000 }) },
    { op: 'create', path: '/run/fifo', meta: meta('fifo') },
    { op: 'create', path: '/run/sock', meta: meta('socket', { mode: 0o755 }) },
    file('/usr/bin/ping', 'ELF', { mode: 0o755, xattrs: new Map([['security.capability', CAPABILITY]]) }),
    file('/many-xattrs', 'z', { xattrs: new Map<string, Uint8Array>([...Array.from({ length: 12 }, (_, i): [string, Uint8Array] => [`user.attribute-${i}`, Buffer.alloc(40, i)]), ['trusted.t', Buffer.from('v')]]) }),
    { op: 'link', target: '/etc/odd', path: '/hard-1' },
    { op: 'link', target: '/etc/odd', path: '/etc/hard-2' },
  ];
  let image: string;
  let back: Map<string, Awaited<ReturnType<typeof readBack>> extends Map<string, infer R> ? R : never>;

  beforeAll(async () => {
    image = join(dir(), 'entries.ext4');
    await writeImage(image, ops);
    back = await readBack(image, ['/etc', '/etc/empty', '/etc/tiny', '/etc/exact', '/etc/odd', '/future', '/tmp', '/sgid', '/bin/sh', '/slow', '/dev/null', '/dev/big', '/run/fifo', '/run/sock', '/usr/bin/ping', '/many-xattrs', '/hard-1', '/etc/hard-2', '/lost+found']);
  });

  it('passes e2fsck -fn', async () => {
    await expectClean(image);
  });

  it('regular files: sizes, contents, modes, owners, 32-bit ids, setuid', () => {
    expect(back.get('/etc/empty')).toMatchObject({ type: 'regular', size: 0, sha256: sha('') });
    expect(back.get('/etc/tiny')).toMatchObject({ size: 1, sha256: sha('x') });
    expect(back.get('/etc/exact')).toMatchObject({ size: 8192, sha256: sha(exact) });
    expect(back.get('/etc/odd')).toMatchObject({ size: 10_001, sha256: sha(odd), uid: 4_000_000_000, gid: 70_000, mode: 0o4755, links: 3 });
  });

  it('nanosecond timestamps, before 1970 and after 2038', () => {
    expect(back.get('/etc/odd')?.mtime).toEqual(T);
    expect(back.get('/etc')?.mtime).toEqual({ sec: -86_400, nsec: 1 });
    expect(back.get('/future')?.mtime).toEqual({ sec: 4_102_444_800, nsec: 999_999_999 });
  });

  it('directories with sticky and setgid bits, and lost+found', () => {
    expect(back.get('/tmp')).toMatchObject({ type: 'directory', mode: 0o1777 });
    expect(back.get('/sgid')).toMatchObject({ mode: 0o2775, uid: 1000, gid: 1000 });
    expect(back.get('/lost+found')).toMatchObject({ type: 'directory', mode: 0o700 });
  });

  it('fast and slow symlinks, devices, fifos, sockets', () => {
    expect(back.get('/bin/sh')).toMatchObject({ type: 'symlink', linkTarget: 'dash' });
    expect(back.get('/slow')).toMatchObject({ type: 'symlink', linkTarget: `/${'long/'.repeat(20)}target`, size: 107 });
    expect(back.get('/dev/null')).toMatchObject({ type: 'character', device: { major: 1, minor: 3 }, mode: 0o666 });
    expect(back.get('/dev/big')).toMatchObject({ type: 'block', device: { major: 259, minor: 70_000 } });
    expect(back.get('/run/fifo')?.type).toBe('FIFO');
    expect(back.get('/run/sock')?.type).toBe('socket');
  });

  it('hard links share one inode with the right link count', () => {
    const inode = back.get('/etc/odd')?.inode;
    expect(back.get('/hard-1')?.inode).toBe(inode);
    expect(back.get('/etc/hard-2')?.inode).toBe(inode);
  });

  it('extended attributes in the inode and in an xattr block', () => {
    expect(back.get('/usr/bin/ping')?.xattrs['security.capability']).toBe('00 00 00 02 00 20 00 00 00 00 00 00 00 00 00 00 00 00 00 00 ');
    const many = back.get('/many-xattrs')?.xattrs ?? {};
    expect(Object.keys(many)).toHaveLength(13);
    expect(many['trusted.t']).toBe('"v"');
  });
});

describe('replacing and removing paths', () => {
  it('keeps the tree consistent when paths are written twice, replaced by other types, or removed', async () => {
    const image = join(dir(), 'replace.ext4');
    await writeImage(image, [
      file('/a/b/c', 'first'),
      file('/a/b/c', 'second'),
      { op: 'create', path: '/a', meta: meta('dir', { mode: 0o700 }) },
      file('/x', 'file that becomes a directory'),
      { op: 'create', path: '/x', meta: meta('dir') },
      file('/x/inside', 'i'),
      { op: 'create', path: '/y/deep', meta: meta('dir') },
      file('/y', 'directory that becomes a file'),
      file('/gone', 'g'),
      { op: 'link', target: '/gone', path: '/kept-link' },
      { op: 'remove', path: '/gone' },
      { op: 'remove', path: '/never-existed' },
    ]);
    await expectClean(image);
    const back = await readBack(image, ['/a', '/a/b/c', '/x', '/x/inside', '/y', '/kept-link']);
    expect(back.get('/a')).toMatchObject({ type: 'directory', mode: 0o700 });
    expect(back.get('/a/b/c')?.sha256).toBe(sha('second'));
    expect(back.get('/x')?.type).toBe('directory');
    expect(back.get('/y')).toMatchObject({ type: 'regular', sha256: sha('directory that becomes a file') });
    expect(back.get('/kept-link')).toMatchObject({ links: 1, sha256: sha('g') });
  });
});

describe('determinism and size policy', () => {
  const ops = (byte: number): Op[] => [file('/data', Buffer.alloc(100_000, byte)), file('/etc/hosts', '127.0.0.1 localhost\n')];

  it('writes the same bytes for the same input, and different bytes for one changed byte', async () => {
    const [a, b, c] = [join(dir(), 'd1.ext4'), join(dir(), 'd2.ext4'), join(dir(), 'd3.ext4')];
    await writeImage(a, ops(1));
    await writeImage(b, ops(1));
    await writeImage(c, ops(2));
    const [x, y, z] = await Promise.all([readFile(a), readFile(b), readFile(c)]);
    expect(sha(x)).toBe(sha(y));
    expect(sha(x)).not.toBe(sha(z));
  });

  it('is a multiple of 2 MiB, leaves FREE space free, and stays sparse on the host', async () => {
    const image = join(dir(), 'free.ext4');
    const result = await writeImage(image, ops(1), { free: 64 << 20 });
    await expectClean(image);
    expect(result.size % (2 << 20)).toBe(0);
    const info = await stat(image);
    expect(info.size).toBe(result.size);
    expect(info.blocks * 512).toBeLessThan(info.size / 4);
    const dump = await execa('dumpe2fs', ['-h', image]);
    const freeBlocks = Number(/Free blocks:\s+(\d+)/.exec(dump.stdout)?.[1]);
    expect(freeBlocks * 4096).toBeGreaterThanOrEqual(64 << 20);
    expect(Number(/Reserved block count:\s+(\d+)/.exec(dump.stdout)?.[1])).toBe(0);
    expect(dump.stdout).not.toMatch(/read-only/);
  });

  it('a fixed SIZE that is too small fails with the size the content needs', async () => {
    const image = join(dir(), 'small.ext4');
    try {
      await writeImage(image, [file('/big', Buffer.alloc(3 << 20, 1))], { size: 2 << 20 });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DiagnosticError);
      const d = (error as DiagnosticError).diagnostics[0];
      expect(d?.code).toBe('CUBE3001');
      expect(d?.message).toMatch(/needs \d+ bytes \(\d+ MiB\)/);
    }
    const fits = await writeImage(image, [file('/big', Buffer.alloc(3 << 20, 1))], { size: 64 << 20 });
    expect(fits.size).toBe(64 << 20);
    await expectClean(image);
    // The space SIZE leaves free comes with inodes to use it (one per 16 KiB, as mke2fs).
    const freeInodes = Number(/Free inodes:\s+(\d+)/.exec((await execa('dumpe2fs', ['-h', image])).stdout)?.[1]);
    expect(freeInodes).toBeGreaterThanOrEqual(Math.floor((60 << 20) / 16384));
  });

  it('records the seed in the UUID and the label in the superblock', async () => {
    const image = join(dir(), 'label.ext4');
    const result = await writeImage(image, ops(1), { seed: 'seed-a', label: 'rootfs' });
    const other = await writeImage(join(dir(), 'label2.ext4'), ops(1), { seed: 'seed-b' });
    expect(result.uuid).not.toBe(other.uuid);
    const dump = await execa('dumpe2fs', ['-h', image]);
    expect(dump.stdout).toContain(`Filesystem UUID:          ${result.uuid}`);
    expect(dump.stdout).toMatch(/Filesystem volume name:\s+rootfs/);
    expect(dump.stdout).toMatch(/Filesystem features:\s+ext_attr filetype extent flex_bg sparse_super large_file huge_file dir_nlink extra_isize/);
  });
});

describe('refusals: what ext4 cannot hold is a diagnostic, never a changed entry', () => {
  const refusals: readonly [string, Op[], RegExp][] = [
    ['a symlink with an empty target', [{ op: 'create', path: '/l', meta: meta('symlink', { linkTarget: '' }) }], /CUBE3007: \/l is a symlink with an empty target/],
    ['a NUL in a name', [{ op: 'create', path: '/a\0b', meta: meta('fifo') }], /CUBE3008: \/a\\x00b has a NUL byte in its name/],
    ['a NUL in a symlink target', [{ op: 'create', path: '/l', meta: meta('symlink', { linkTarget: 'a\0b' }) }], /CUBE3008: \/l has a NUL byte in its symlink target/],
    ['a name of 256 bytes', [{ op: 'create', path: `/d/${'n'.repeat(256)}`, meta: meta('fifo') }], /CUBE3006: .* has a name of 256 bytes/],
    ['a symlink target of 4096 bytes', [{ op: 'create', path: '/l', meta: meta('symlink', { linkTarget: 't'.repeat(4096) }) }], /CUBE3009: \/l is a symlink whose target is 4096 bytes/],
    ['a file of 16 TiB', [{ op: 'create', path: '/f', meta: meta('file', { size: 2 ** 44, sparse: [] }) }], /CUBE3010: \/f is 17592186044416 bytes/],
    ['device major 4096', [{ op: 'create', path: '/c', meta: meta('char', { devMajor: 4096, devMinor: 0 }) }], /CUBE3011: \/c is device 4096:0/],
    ['device minor 1048576', [{ op: 'create', path: '/c', meta: meta('block', { devMajor: 1, devMinor: 1_048_576 }) }], /CUBE3011: \/c is device 1:1048576/],
    ['an mtime before 1901-12-13T20:45:52Z', [{ op: 'create', path: '/t', meta: meta('fifo', { mtime: { sec: -(2 ** 31) - 1, nsec: 0 } }) }], /CUBE3012: \/t has mtime -2147483649 s/],
    ['an atime from 2310-04-04T16:10:40Z', [{ op: 'create', path: '/t', meta: meta('fifo', { atime: { sec: 2 ** 33 + 2 ** 31, nsec: 0 } }) }], /CUBE3012: \/t has atime 10737418240 s/],
    ['a hard link whose name is too long', [file('/f', 'x'), { op: 'link', target: '/f', path: `/${'h'.repeat(300)}` }], /CUBE3006/],
  ];
  it.each(refusals)('%s', async (_, ops, message) => {
    await expect(writeImage(join(dir(), 'refused.ext4'), ops)).rejects.toThrow(message);
  });
});

describe('options', () => {
  it('journal: an empty jbd2 journal that e2fsck accepts', async () => {
    const image = join(dir(), 'journal.ext4');
    await writeImage(image, [file('/a', 'a')], { journal: true });
    await expectClean(image);
    const dump = await execa('dumpe2fs', ['-h', image]);
    expect(dump.stdout).toMatch(/Filesystem features:.*has_journal/);
    expect(dump.stdout).toMatch(/Total journal size:\s+4096k/);
  });

  it('dir_index: directories larger than a block are written as htrees', async () => {
    const image = join(dir(), 'index.ext4');
    const many = Array.from({ length: 2000 }, (_, i): Op => file(`/big/name-${i}`, String(i)));
    await writeImage(image, [file('/small/a', 'a'), ...many], { dirIndex: true });
    await expectClean(image);
    expect((await execa('dumpe2fs', ['-h', image])).stdout).toMatch(/Filesystem features:.*dir_index/);
    expect((await execa('debugfs', ['-R', 'htree_dump /big', image])).stdout).toMatch(/Indirect levels: 0/);
    expect((await execa('debugfs', ['-R', 'htree_dump /small', image], { reject: false })).stdout).not.toMatch(/Root node dump/);
    expect((await readBack(image, ['/big/name-1234'])).get('/big/name-1234')?.sha256).toBe(sha('1234'));
  });

  it('holes: all-zero blocks of file data are not allocated', async () => {
    const data = Buffer.alloc(1 << 20);
    data.write('start', 0);
    data.write('end', (1 << 20) - 3);
    const [dense, holey] = [join(dir(), 'dense.ext4'), join(dir(), 'holey.ext4')];
    await writeImage(dense, [file('/f', data)]);
    await writeImage(holey, [file('/f', data)], { holes: true });
    await expectClean(holey);
    const blocks = async (image: string): Promise<number> => Number(/Blockcount: (\d+)/.exec((await execa('debugfs', ['-R', 'stat /f', image])).stdout)?.[1]);
    expect(await blocks(dense)).toBe(256 * 8);
    expect(await blocks(holey)).toBe(2 * 8);
    expect((await readBack(holey, ['/f'])).get('/f')?.sha256).toBe(sha(data));
  });

  it('metadata_csum: checksums on every structure that e2fsck verifies', async () => {
    const image = join(dir(), 'csum.ext4');
    const fragments = Array.from({ length: 600 }, (_, i) => ({ offset: i * 8192, length: 4096 }));
    await writeImage(
      image,
      [
        file('/etc/passwd', 'root:x:0:0::/root:/bin/sh\n'),
        ...Array.from({ length: 300 }, (_, i): Op => file(`/many/entry-with-a-longer-name-${i}`, '')),
        file('/xattrs', 'x', { xattrs: new Map(Array.from({ length: 12 }, (_, i): [string, Uint8Array] => [`user.a${i}`, Buffer.alloc(40, i)])) }),
        { op: 'create', path: '/fragmented', meta: meta('file', { size: 600 * 8192, sparse: fragments }), data: fragments.map((_, i) => Buffer.alloc(4096, i)) },
        { op: 'create', path: '/slow', meta: meta('symlink', { linkTarget: 'y'.repeat(90) }) },
      ],
      { metadataCsum: true, journal: true },
    );
    await expectClean(image);
    const dump = await execa('dumpe2fs', ['-h', image]);
    expect(dump.stdout).toMatch(/Filesystem features:.*metadata_csum/);
    expect(dump.stdout).toMatch(/Checksum type:\s+crc32c/);
    // A flipped byte in an inode is caught by the checksum.
    const bytes = await readFile(image);
    const itable = Number(/Inode table at (\d+)/.exec((await execa('dumpe2fs', [image])).stdout)?.[1]);
    const at = itable * 4096 + 10 * 256 + 0x20;
    bytes[at] = (bytes[at] as number) ^ 0x01;
    const broken = join(dir(), 'csum-broken.ext4');
    await writeFile(broken, bytes);
    const fsck = await execa('e2fsck', ['-fn', broken], { reject: false });
    expect(fsck.exitCode).not.toBe(0);
    expect(fsck.stdout).toMatch(/checksum/i);
  });
});
