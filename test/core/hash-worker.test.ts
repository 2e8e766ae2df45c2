/** sha256 of a file on a worker thread: the same digest as on this one, and a failure that says why. */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestFileInWorker } from '../../src/core/hash-worker.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cube-hash-worker-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sha256 = (bytes: Uint8Array): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const MiB = 1 << 20;

describe('digestFileInWorker', () => {
  it.each([0, 1, MiB - 1, MiB, 3 * MiB + 17])('hashes a file of %i bytes as sha256 does', async (size) => {
    const bytes = randomBytes(size);
    const path = join(dir, `f${size}`);
    await writeFile(path, bytes);
    expect(await digestFileInWorker(path)).toBe(sha256(bytes));
  });

  it('rejects with the reason when the file cannot be read', async () => {
    await expect(digestFileInWorker(join(dir, 'missing'))).rejects.toThrow(/ENOENT/);
  });
});
