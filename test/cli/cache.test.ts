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
});
