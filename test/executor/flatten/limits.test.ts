/**
 * Flattening's cost is bounded by its limits: a path too deep, too many entries, a layer or all
 * layers expanding past their byte limits each stop it with a diagnostic that names the limit and
 * the option that raises it; whiteouts and opaque directories remove what they name and nothing
 * else, however many there are.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { sha256Digest } from '../../../src/core/digest.js';
import { DEFAULT_LIMITS, flattenLayers } from '../../../src/executor/flatten/index.js';
import type { FlattenLayer, FlattenLimits } from '../../../src/executor/flatten/index.js';
import { LayerBudget } from '../../../src/executor/flatten/limits.js';
import { buildTar, flattenOutcome, memoryLayer } from '../../helpers/layers.js';
import { MemoryTree } from '../../helpers/memory-tree.js';
import { paxRecord, rawTar } from '../../helpers/raw-tar.js';

/** The first diagnostic's code and message, or 'ok'. */
async function outcome(layers: readonly FlattenLayer[], limits?: FlattenLimits): Promise<string> {
  const d = await flattenOutcome(layers, limits ? { limits } : {});
  return d === 'ok' ? 'ok' : `${d.code} ${d.message}`;
}

const deep = (depth: number): Buffer => rawTar([{ name: 'x', pax: [paxRecord('path', Buffer.from(`${'d/'.repeat(depth - 1)}f`))] }]);

describe('limits', () => {
  it('a path deeper than the limit (256 components by default) is refused, however long it is', async () => {
    expect(await outcome([memoryLayer(deep(DEFAULT_LIMITS.maxPathDepth))])).toBe('ok');
    expect(await outcome([memoryLayer(deep(DEFAULT_LIMITS.maxPathDepth + 1))])).toMatch(/^CUBE3219 layer sha256:\w+: entry "d\/d\/.*" is more than 256 directories deep \(the limit; raise it with --max-path-depth\)$/);
    // One 20 KB entry 10,000 directories deep: refused as it is read.
    expect(await outcome([memoryLayer(deep(10_000))])).toMatch(/^CUBE3219 .*entry "(d\/){256}.*…" is more than 256/);
    expect(await outcome([memoryLayer(deep(10))], { maxPathDepth: 9 })).toMatch(/CUBE3219 .* more than 9 directories deep/);
  });

  it('more entries than the limit in all layers together are refused', async () => {
    const layer = memoryLayer(await buildTar(Array.from({ length: 6 }, (_, i) => ({ name: `f${i}`, content: 'x' }))));
    expect(await outcome([layer, layer], { maxEntries: 12 })).toBe('ok');
    expect(await outcome([layer, layer], { maxEntries: 11 })).toMatch(/^CUBE3216 layer sha256:\w+: the layers hold more than 11 entries \(the limit; raise it with --max-entries\)$/);
  });

  it('a member whose declared size takes its layer past the limit is refused before its data is read', async () => {
    let pulled = 0;
    const header = rawTar([{ name: 'big', content: Buffer.alloc(20_000) }]).subarray(0, 512);
    // A layer that would go on forever: only its first chunk may be pulled.
    const endless: FlattenLayer = {
      digest: sha256Digest('endless'),
      open: async () =>
        Readable.from(
          (function* () {
            yield header;
            for (;;) {
              pulled++;
              yield Buffer.alloc(65_536);
            }
          })(),
        ),
    };
    expect(await outcome([endless], { maxLayerBytes: 10_000 })).toMatch(/^CUBE3217 layer sha256:\w+ expands to more than 10000 bytes \(9\.8 KiB: the limit --max-layer-bytes sets\)$/);
    expect(pulled).toBeLessThan(40);
  });

  it('bytes no header declares (zeros after the end) count toward the layer limit', async () => {
    const tar = Buffer.concat([rawTar([{ name: 'f', content: Buffer.from('x') }]), Buffer.alloc(64 * 1024)]);
    expect(await outcome([memoryLayer(tar)], { maxLayerBytes: 32 * 1024 })).toMatch(/^CUBE3217 /);
    expect(await outcome([memoryLayer(tar)], { maxLayerBytes: tar.length })).toBe('ok');
  });

  it('all layers together past the image limit are refused', async () => {
    const layer = memoryLayer(rawTar([{ name: 'f', content: Buffer.alloc(5000) }]));
    expect(await outcome([layer, layer], { maxImageBytes: 10_000 })).toMatch(/^CUBE3218 the layers up to sha256:\w+ expand to more than 10000 bytes \(9\.8 KiB: the limit --max-image-bytes sets\)$/);
    expect(await outcome([layer, layer], { maxImageBytes: 20_000 })).toBe('ok');
  });

  it('by default, a layer may expand to 64 times its compressed size plus 1 GiB, and all layers to 64 times theirs plus 1 GiB', () => {
    const budget = new LayerBudget([{ digest: sha256Digest('a'), size: 10 << 20 }, { digest: sha256Digest('b'), size: 30 << 20 }]);
    expect(budget.layerLimit({ digest: sha256Digest('a'), size: 10 << 20 })).toEqual({ bytes: 64 * (10 << 20) + 1024 ** 3, compressed: 10 << 20 });
    expect(budget.layerLimit({ digest: sha256Digest('c') }).bytes).toBe(1024 ** 3);
  });
});

describe('whiteouts', () => {
  it('20,000 whiteouts after 20,000 files remove exactly those files', async () => {
    const files = Array.from({ length: 20_000 }, (_, i) => ({ name: `d${i % 100}/f${i}`, content: Buffer.alloc(0) }));
    const lower = rawTar(files);
    const upper = rawTar([...files.filter((_, i) => i % 2 === 0).map((f) => ({ name: f.name.replace(/\/f/, '/.wh.f'), content: Buffer.alloc(0) })), { name: 'd7/.wh..wh..opq' }]);
    const tree = new MemoryTree();
    await flattenLayers([memoryLayer(lower), memoryLayer(upper)], tree);
    const left = [...tree.entries.keys()].filter((p) => /\/f\d+$/.test(p));
    // The odd ones stay, but for d7's 200, all odd, below the opaque marker.
    expect(left).toHaveLength(10_000 - 200);
    expect(left.every((p) => Number(p.slice(p.lastIndexOf('f') + 1)) % 2 === 1 && !p.startsWith('/d7/'))).toBe(true);
  });
});
