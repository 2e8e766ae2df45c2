/**
 * The flattened base on its own: kept and found again whole (hard links shared, the writer
 * carrying on to the same bytes), and refused — and removed — when data.img is not the file it
 * was kept with or state.bin cannot be read.
 */
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256Digest } from '../../../src/core/digest.js';
import type { EntryMeta } from '../../../src/core/tree-writer.js';
import { baseDataChecksum, baseKey, captureBase, findBase, hasBase, keepBase } from '../../../src/executor/build/flattened-base.js';
import { readImage } from '../../../src/executor/build/image-copy.js';
import { IndexingWriter } from '../../../src/executor/build/tree-writers.js';
import { createExt4Writer, resumeExt4Writer } from '../../../src/executor/ext4/index.js';
import { FlattenedIndex } from '../../../src/executor/flatten/index.js';
import { expectClean, imageDir } from '../../helpers/ext4.js';

const t = { sec: 1_700_000_000, nsec: 0 };
const file = (size: number): EntryMeta => ({ type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: t, size });
const key = baseKey({ rootfs: sha256Digest('rootfs'), epoch: 0, holes: false, writer: 1 });
const options = { seed: sha256Digest('seal'), timestamp: 0, journal: false, metadataCsum: true, dirIndex: true };
let dir: string;

beforeEach(async () => {
  dir = await imageDir();
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes the "layers", captures the base, then the "steps", and seals; returns the base and the image. */
async function coldImage(path: string): Promise<{ captured: ReturnType<typeof captureBase>; checksum: number }> {
  const writer = await createExt4Writer(path, options);
  const index = new IndexingWriter(writer, new FlattenedIndex());
  await index.create('/etc/passwd', file(5));
  await index.write(Buffer.from('root\n'));
  await index.create('/big', file(3 * 4096 + 7));
  await index.write(Buffer.alloc(3 * 4096 + 7, 0x61));
  await index.link('/big', '/big-link');
  const flattened = new FlattenedIndex();
  for (const path of ['/etc', '/etc/passwd', '/big', '/big-link']) flattened.addImplicitParents(path, 0, 0);
  const captured = captureBase({ writer: writer.state(), index: flattened, accounts: { passwd: 'root\n' }, layers: 1, sealedBy: sha256Digest('seal') });
  await steps(index);
  const checksum = baseDataChecksum(captured.next);
  await readImage(path, checksum.see);
  return { captured, checksum: checksum.value() };
}

async function steps(writer: { create(path: string, meta: EntryMeta): Promise<void>; write(data: Uint8Array): Promise<void>; close(): Promise<unknown> }): Promise<void> {
  await writer.create('/usr/local/bin/envd', file(9));
  await writer.write(Buffer.from('envd 1.0\n'));
  await writer.close();
}

describe('a flattened base', () => {
  it('is found as kept and carries on to the bytes a cold build writes', async () => {
    const cold = join(dir, 'cold.ext4');
    const { captured, checksum } = await coldImage(cold);
    await expectClean(cold);
    await keepBase(join(dir, 'cache'), key, captured, checksum, cold);
    expect(await hasBase(join(dir, 'cache'), key)).toBe(true);
    const base = await findBase(join(dir, 'cache'), key);
    expect(base?.accounts).toEqual({ passwd: 'root\n' });
    expect(base?.writer.next).toBe(captured.next);
    // Hard links stay one node.
    const big = base?.writer.root.children?.get('big');
    expect(big).toBeDefined();
    expect(base?.writer.root.children?.get('big-link')).toBe(big);
    const again = join(dir, 'again.ext4');
    await steps(await resumeExt4Writer(again, base?.image as string, options, base?.writer as NonNullable<typeof base>['writer']));
    expect((await readFile(again)).equals(await readFile(cold))).toBe(true);
  });

  it('is refused and removed when data.img is another file now, or state.bin is unreadable', async () => {
    const cache = join(dir, 'cache');
    const { captured, checksum } = await coldImage(join(dir, 'cold.ext4'));
    await keepBase(cache, key, captured, checksum, join(dir, 'cold.ext4'));
    const [name] = await readdir(join(cache, 'bases'));
    const data = join(cache, 'bases', name as string, 'data.img');
    await rm(data);
    await writeFile(data, await readFile(join(dir, 'cold.ext4')));
    expect(await hasBase(cache, key)).toBe(false);
    expect(await findBase(cache, key)).toBeUndefined();
    expect(await readdir(join(cache, 'bases'))).toEqual([]);

    await keepBase(cache, key, captured, checksum, join(dir, 'cold.ext4'));
    await writeFile(join(cache, 'bases', name as string, 'state.bin'), 'not a state');
    expect(await findBase(cache, key)).toBeUndefined();
    expect(await readdir(join(cache, 'bases'))).toEqual([]);
  });

  it('has a key that changes with each thing its state depends on', () => {
    const input = { rootfs: sha256Digest('rootfs'), epoch: 0, holes: false, writer: 1 };
    const keys = new Set([
      baseKey(input),
      baseKey({ ...input, rootfs: sha256Digest('other layers') }),
      baseKey({ ...input, epoch: 1 }),
      baseKey({ ...input, holes: true }),
      baseKey({ ...input, writer: 2 }),
    ]);
    expect(keys.size).toBe(5);
  });
});
