import { link, mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';

let cache: string;
beforeAll(async () => {
  cache = await mkdtemp(join(tmpdir(), 'cube-cache-cmd-'));
  const old = new Date(Date.now() - 40 * 86_400_000);
  await mkdir(join(cache, 'blobs', 'sha256'), { recursive: true });
  await mkdir(join(cache, 'artifacts', 'a'.repeat(64)), { recursive: true });
  await writeFile(join(cache, 'blobs', 'sha256', 'b'.repeat(64)), Buffer.alloc(10_000));
  await writeFile(join(cache, 'blobs', 'sha256', 'c'.repeat(64)), Buffer.alloc(10_000));
  await writeFile(join(cache, 'blobs', 'sha256', '.cccc-1234.partial'), 'half');
  await writeFile(join(cache, 'artifacts', 'a'.repeat(64), 'rootfs.ext4'), Buffer.alloc(20_000));
  // A flattened base links the image it was kept with: its blocks are the artifact's.
  await mkdir(join(cache, 'bases', 'sha256-' + 'd'.repeat(64)), { recursive: true });
  await link(join(cache, 'artifacts', 'a'.repeat(64), 'rootfs.ext4'), join(cache, 'bases', 'sha256-' + 'd'.repeat(64), 'data.img'));
  await writeFile(join(cache, 'bases', 'sha256-' + 'd'.repeat(64), 'state.bin'), Buffer.alloc(4096, 1));
  await utimes(join(cache, 'blobs', 'sha256', 'b'.repeat(64)), old, old);
  await utimes(join(cache, 'blobs', 'sha256', '.cccc-1234.partial'), old, old);
});
afterAll(async () => {
  await rm(cache, { recursive: true, force: true });
});

describe('cube cache', () => {
  it('lists entries with their kind, size and age, and sums them per kind', async () => {
    const ls = await runCli(['cache', 'ls', '--cache-dir', cache]);
    expect(ls.code).toBe(0);
    expect(ls.stdout).toMatch(new RegExp(`blob\\s+${'b'.repeat(64)}\\s+.*40d`));
    expect(ls.stdout).toContain('(unfinished)');
    const du = await runCli(['cache', 'du', '--cache-dir', cache]);
    expect(du.stdout).toMatch(/artifact\s+1 entries\s+20.0 KiB/);
    // The base's own state only: its image is counted once, with the artifact.
    expect(du.stdout).toMatch(/base\s+1 entries\s+4.0 KiB/);
    expect(du.stdout).toMatch(/total\s+5 entries/);
  });

  it('prunes entries unused for --keep-days and stale unfinished writes, keeping the rest', async () => {
    const prune = await runCli(['cache', 'prune', '--keep-days', '30', '--cache-dir', cache]);
    expect(prune.stdout).toMatch(/removed 2 entries/);
    const ls = await runCli(['cache', 'ls', '--cache-dir', cache]);
    expect(ls.stdout).not.toContain('b'.repeat(64));
    expect(ls.stdout).toContain('c'.repeat(64));
    expect((await runCli(['cache', 'prune', '--all', '--cache-dir', cache])).stdout).toMatch(/removed 3 entries/);
    expect((await runCli(['cache', 'explode', '--cache-dir', cache])).code).toBe(2);
  });

  it('prunes the least recently used entries down to --keep-storage, counting an image two entries share once', async () => {
    const root = await mkdtemp(join(tmpdir(), 'cube-cache-storage-'));
    const dir = join(root, 'cache');
    const outside = join(root, 'out');
    await mkdir(outside, { recursive: true });
    try {
      const at = (days: number): Date => new Date(Date.now() - days * 86_400_000);
      const entry = async (sub: string, file: string, bytes: number, days: number): Promise<string> => {
        await mkdir(join(dir, sub), { recursive: true });
        await writeFile(join(dir, sub, file), Buffer.alloc(bytes, 1));
        await utimes(join(dir, sub), at(days), at(days));
        return join(dir, sub, file);
      };
      // Oldest first: an artifact whose image a newer base also holds, then two blobs.
      const image = await entry(join('artifacts', 'e'.repeat(64)), 'rootfs.ext4', 64 * 1024, 5);
      await mkdir(join(dir, 'bases', 'sha256-' + 'f'.repeat(64)), { recursive: true });
      await link(image, join(dir, 'bases', 'sha256-' + 'f'.repeat(64), 'data.img'));
      await utimes(join(dir, 'bases', 'sha256-' + 'f'.repeat(64)), at(2), at(2));
      // An artifact whose image an output outside the cache holds: removing it frees nothing.
      const held = await entry(join('artifacts', '3'.repeat(64)), 'rootfs.ext4', 64 * 1024, 3);
      await link(held, join(outside, 'rootfs.ext4'));
      await entry(join('blobs', 'sha256'), '1'.repeat(64), 32 * 1024, 4);
      await utimes(join(dir, 'blobs', 'sha256', '1'.repeat(64)), at(4), at(4));
      await writeFile(join(dir, 'blobs', 'sha256', '2'.repeat(64)), Buffer.alloc(32 * 1024, 1));
      await utimes(join(dir, 'blobs', 'sha256', '2'.repeat(64)), at(1), at(1));
      // 128 KiB the cache alone holds: the oldest artifact goes first but frees nothing (the base
      // holds its image), then the older blob; the rest (96 KiB) stays.
      const prune = await runCli(['cache', 'prune', '--keep-storage', '100KiB', '--cache-dir', dir]);
      expect(prune.code, prune.stderr).toBe(0);
      expect(prune.stdout).toMatch(/removed 2 entries, 32.0 KiB freed/);
      const ls = await runCli(['cache', 'ls', '--cache-dir', dir]);
      expect(ls.stdout).not.toContain('e'.repeat(64));
      expect(ls.stdout).not.toContain('1'.repeat(64));
      expect(ls.stdout).toContain('f'.repeat(64));
      expect(ls.stdout).toContain('2'.repeat(64));
      expect(ls.stdout).toContain('3'.repeat(64));
      // Next out: the held artifact (nothing freed), then the base, which frees the shared image.
      const again = await runCli(['cache', 'prune', '--keep-storage', '40KiB', '--cache-dir', dir]);
      expect(again.stdout).toMatch(/removed 2 entries, 64.0 KiB freed/);
      expect((await runCli(['cache', 'ls', '--cache-dir', dir])).stdout).toContain('2'.repeat(64));
      const bad = await runCli(['cache', 'prune', '--keep-storage', 'lots', '--cache-dir', dir]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('--keep-storage');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
