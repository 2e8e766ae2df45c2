/** Large and odd shapes: files over 4 GiB, holes, multi-level extent trees, huge and deep directories. */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import type { EntryMeta, SparseRegion } from '../../../src/core/tree-writer.js';
import { expectClean, useImageDir, readBack, sha, writeImage } from '../../helpers/ext4.js';
import type { Op } from '../../helpers/ext4.js';

const dir = useImageDir();

const T = { sec: 1_700_000_000, nsec: 0 };

function sparseFile(path: string, size: number, regions: SparseRegion[], fill: (i: number) => number): Op {
  const meta: EntryMeta = { type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: T, size, sparse: regions };
  return { op: 'create', path, meta, data: regions.map((r, i) => Buffer.alloc(r.length, fill(i))) };
}

/** The extent tree depth debugfs reports for `path`. */
async function depth(image: string, path: string): Promise<number> {
  const out = await execa('debugfs', ['-R', `ex "${path}"`, image]);
  const levels = [...out.stdout.matchAll(/^\s*(\d+)\/\s*(\d+)/gm)].map((m) => Number(m[2]));
  return Math.max(...levels);
}

describe('large files and holes', () => {
  it('a file over 4 GiB with holes stays cheap on the host and reads back', async () => {
    const image = join(dir(), 'huge.ext4');
    const size = 5 * 1024 ** 3 + 12345;
    const regions = [
      { offset: 0, length: 4096 },
      { offset: 4 * 1024 ** 3 + 100, length: 5000 },
      { offset: size - 345, length: 345 },
    ];
    await writeImage(image, [sparseFile('/huge', size, regions, (i) => i + 1)]);
    await expectClean(image);
    const info = await stat(image);
    expect(info.blocks * 512).toBeLessThan(64 << 20);
    const back = await readBack(image, ['/huge'], { contents: false });
    expect(back.get('/huge')?.size).toBe(size);
    const part = await execa('debugfs', ['-R', 'ex /huge', image]);
    expect(part.stdout).toContain('1048576');
  }, 120_000);

  it('a fragmented file needs an extent index block, and a more fragmented one two levels', async () => {
    const image = join(dir(), 'fragmented.ext4');
    const holes = (count: number): SparseRegion[] => Array.from({ length: count }, (_, i) => ({ offset: i * 2 * 4096, length: 4096 }));
    await writeImage(image, [
      sparseFile('/one-level', 500 * 2 * 4096, holes(500), (i) => i % 256),
      sparseFile('/two-levels', 2000 * 2 * 4096, holes(2000), (i) => (i * 7) % 256),
    ]);
    await expectClean(image);
    expect(await depth(image, '/one-level')).toBe(1);
    expect(await depth(image, '/two-levels')).toBe(2);
    const expected = Buffer.alloc(500 * 2 * 4096);
    for (let i = 0; i < 500; i++) expected.fill(i % 256, i * 8192, i * 8192 + 4096);
    expect((await readBack(image, ['/one-level'])).get('/one-level')?.sha256).toBe(sha(expected));
  }, 120_000);

  it('unaligned sparse regions that share a block', async () => {
    const image = join(dir(), 'unaligned.ext4');
    const regions = [
      { offset: 10, length: 100 },
      { offset: 200, length: 50 },
      { offset: 9000, length: 10 },
    ];
    await writeImage(image, [sparseFile('/u', 10_000, regions, (i) => 0x41 + i)]);
    await expectClean(image);
    const expected = Buffer.alloc(10_000);
    regions.forEach((r, i) => expected.fill(0x41 + i, r.offset, r.offset + r.length));
    expect((await readBack(image, ['/u'])).get('/u')?.sha256).toBe(sha(expected));
  });
});

describe('large directories', () => {
  it('a directory with 100,000 entries', async () => {
    const image = join(dir(), 'wide.ext4');
    const ops: Op[] = Array.from({ length: 100_000 }, (_, i) => ({ op: 'create' as const, path: `/wide/entry-${i}`, meta: { type: 'file' as const, mode: 0o644, uid: 0, gid: 0, mtime: T, size: 0 } }));
    await writeImage(image, ops);
    await expectClean(image);
    const ls = await execa('debugfs', ['-R', 'ls /wide', image], { maxBuffer: 1 << 28 });
    expect(ls.stdout.match(/entry-\d+/g)?.length).toBe(100_000);
  }, 300_000);

  it('paths 4,000 bytes deep', async () => {
    const image = join(dir(), 'deep.ext4');
    const path = '/' + Array.from({ length: 400 }, (_, i) => `d${String(i).padStart(8, '0')}`).join('/') + '/leaf';
    expect(path.length).toBeGreaterThan(4000);
    await writeImage(image, [{ op: 'create', path, meta: { type: 'file', mode: 0o600, uid: 0, gid: 0, mtime: T, size: 4 }, data: Buffer.from('deep') }]);
    await expectClean(image);
    expect((await readBack(image, [path])).get(path)?.sha256).toBe(sha('deep'));
  });
});
