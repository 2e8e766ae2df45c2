/**
 * Pass 2 from a stored copy: reading each surviving file at the offset pass 1 saw its data at
 * gives the tree that streaming the layer again gives, byte for byte, without opening the layer
 * a second time; a stored copy that lost bytes is a diagnostic, never a short file.
 */
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Digest } from '../../../src/core/digest.js';
import { DiagnosticError } from '../../../src/core/diagnostics/index.js';
import { flattenLayers, indexLayers, readTreeFiles } from '../../../src/executor/flatten/index.js';
import type { FlattenLayer } from '../../../src/executor/flatten/index.js';
import { buildTar } from '../../helpers/layers.js';
import type { TestMember } from '../../helpers/layers.js';
import { MemoryTree } from '../../helpers/memory-tree.js';
import { sparseTar } from '../../helpers/raw-tar.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cube-layer-files-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Bytes that differ from one offset to the next, so a read at the wrong offset shows. */
function pattern(size: number, seed: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + seed * 7 + (i >> 12)) & 0xff;
  return bytes;
}

const MiB = 1 << 20;
const lower: TestMember[] = [
  { name: 'etc/' },
  { name: 'etc/passwd', content: 'root:x:0:0:root:/root:/bin/sh\n' },
  { name: 'big/one.bin', content: pattern(9 * MiB + 123, 1) },
  { name: 'small/a', content: 'a' },
  { name: 'small/b', content: pattern(4 * MiB - 1, 2) },
  { name: 'small/empty', content: '' },
  { name: `deep/${'n'.repeat(150)}/file`, content: pattern(5000, 3) },
  { name: 'gone/x', content: 'whited out above' },
  { name: 'twice', content: 'first version' },
  { name: 'twice', content: 'second version wins' },
  { name: 'hard/target', content: pattern(70_000, 4) },
  { name: 'hard/link', type: 'link', linkname: 'hard/target' },
  { name: 'pax/file', content: pattern(3000, 5), pax: { 'SCHILY.xattr.user.k': 'v' } },
];
const upper: TestMember[] = [{ name: 'gone/.wh.x', content: '' }, { name: 'small/a', content: 'replaced' }, { name: 'tail', content: pattern(MiB + 1, 6) }];

/** Layers over in-memory tars that count their opens; with `stored`, each also has its tar on disk. */
async function layers(stored: boolean): Promise<{ layers: FlattenLayer[]; opens: () => number; files: string[] }> {
  let opens = 0;
  const tars = [await buildTar(lower), await buildTar(upper), sparseTar('var/disk.img', 3 * MiB, [{ offset: 0, data: pattern(4096, 7) }, { offset: 2 * MiB, data: pattern(100, 8) }])];
  const files: string[] = [];
  const out = await Promise.all(
    tars.map(async (tar, i) => {
      const file = join(dir, `${stored ? 's' : 'm'}${i}-${Math.random().toString(36).slice(2)}.tar`);
      await writeFile(file, tar);
      files[i] = file;
      const layer: FlattenLayer = {
        digest: sha256Digest(tar),
        open: async () => {
          opens++;
          return Readable.from([tar]);
        },
        ...(stored ? { stored: async () => file } : {}),
      };
      return layer;
    }),
  );
  return { layers: out, opens: () => opens, files };
}

async function flatten(input: FlattenLayer[]): Promise<{ dump: string; passwd: string | undefined }> {
  const tree = new MemoryTree();
  const result = await flattenLayers(input, tree, { capture: ['/etc/passwd'] });
  await tree.close();
  const passwd = result.captured.get('/etc/passwd');
  return { dump: tree.dump(), passwd: passwd ? Buffer.from(passwd).toString() : undefined };
}

describe('pass 2 from a stored copy of each layer', () => {
  it('gives the tree streaming gives, byte for byte, and opens each layer once', async () => {
    const streamed = await layers(false);
    const fromStored = await layers(true);
    const expected = await flatten(streamed.layers);
    expect(streamed.opens()).toBe(6);
    const got = await flatten(fromStored.layers);
    expect(fromStored.opens()).toBe(3);
    expect(got.dump).toBe(expected.dump);
    expect(got.passwd).toBe('root:x:0:0:root:/root:/bin/sh\n');
    expect(got.dump).toContain('second version wins');
    expect(got.dump).not.toContain('first version');
  });

  it('fails with a diagnostic, not a short file, when the stored copy lost bytes', async () => {
    const { layers: input, files } = await layers(true);
    await truncate(files[0] as string, 4 * MiB);
    const error = await flatten(input).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiagnosticError);
    expect((error as DiagnosticError).diagnostics[0]?.code).toBe('CUBE3207');
  });
});

describe('reading a few files of the tree from a stored copy', () => {
  it('gives the bytes streaming gives, without opening the layer again', async () => {
    const streamed = await layers(false);
    const fromStored = await layers(true);
    const wanted = ['/etc/passwd', '/twice', '/hard/link', '/big/one.bin'];
    const expected = await readTreeFiles(streamed.layers, await indexLayers(streamed.layers), wanted);
    const got = await readTreeFiles(fromStored.layers, await indexLayers(fromStored.layers), wanted);
    expect(fromStored.opens()).toBe(3);
    expect([...got.keys()].sort()).toEqual([...wanted].sort());
    for (const name of wanted) expect(Buffer.from(got.get(name) as Uint8Array).equals(Buffer.from(expected.get(name) as Uint8Array)), name).toBe(true);
    expect(Buffer.from(got.get('/twice') as Uint8Array).toString()).toBe('second version wins');
  });
});
