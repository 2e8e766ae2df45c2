/** GNU sparse files (pax format 1.0) flatten into files with holes. */
import { mkdir, mkdtemp, open, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { createExt4Writer } from '../../../src/executor/ext4/index.js';
import { expectClean, readBack, sha } from '../../helpers/ext4.js';
import { DiagnosticError } from '../../../src/core/diagnostics/index.js';
import { flattenLayers } from '../../../src/executor/flatten/index.js';
import { memoryLayer } from '../../helpers/layers.js';
import { MemoryTree } from '../../helpers/memory-tree.js';
import { sparseTar } from '../../helpers/raw-tar.js';

describe('GNU sparse files', () => {
  it('a sparse file archived by GNU tar keeps its holes through flattening into ext4', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cube-sparse-'));
    try {
      await mkdir(join(dir, 'src'));
      const handle = await open(join(dir, 'src', 'disk.img'), 'w');
      await handle.write(Buffer.from('head'), 0, 4, 0);
      await handle.write(Buffer.from('tail'), 0, 4, (64 << 20) - 4);
      await handle.close();
      await execa('tar', ['--sparse', '--format=posix', '-cf', join(dir, 'layer.tar'), '-C', join(dir, 'src'), 'disk.img']);
      const image = join(dir, 'out.ext4');
      const writer = await createExt4Writer(image, { seed: 'sparse' });
      await flattenLayers([memoryLayer(await readFile(join(dir, 'layer.tar')))], writer);
      await writer.close();
      await expectClean(image);
      expect((await stat(image)).blocks * 512).toBeLessThan(8 << 20);
      const back = await readBack(image, ['/disk.img']);
      const expected = Buffer.alloc(64 << 20);
      expected.write('head', 0);
      expected.write('tail', (64 << 20) - 4);
      expect(back.get('/disk.img')?.sha256).toBe(sha(expected));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('become entries with sparse regions whose bytes are the regions only', async () => {
    const regions = [{ offset: 0, data: Buffer.alloc(4096, 1) }, { offset: 1 << 20, data: Buffer.alloc(100, 2) }];
    const tree = new MemoryTree();
    await flattenLayers([memoryLayer(sparseTar('var/lib/disk.img', (1 << 20) + 100, regions))], tree);
    const node = tree.entries.get('/var/lib/disk.img');
    expect(node?.meta.size).toBe((1 << 20) + 100);
    expect(node?.meta.sparse).toEqual([{ offset: 0, length: 4096 }, { offset: 1 << 20, length: 100 }]);
    expect(Buffer.from(node?.data ?? []).equals(Buffer.concat(regions.map((r) => r.data)))).toBe(true);
  });

  it('refuses the older 0.x sparse forms with an explanation', async () => {
    const tree = new MemoryTree();
    const error = await flattenLayers([memoryLayer(sparseTar('f', 10, [{ offset: 0, data: Buffer.from('x') }], '0'))], tree).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiagnosticError);
    expect((error as DiagnosticError).diagnostics[0]?.code).toBe('CUBE3205');
  });
});
