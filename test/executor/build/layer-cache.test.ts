import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { drain } from '../../helpers/streams.js';
import { sha256Digest } from '../../../src/core/digest.js';
import type { Digest } from '../../../src/core/digest.js';
import type { LayerSource, ResolvedImage } from '../../../src/core/image.js';
import { cachedLayerPath, cachingLayerSource } from '../../../src/executor/build/layer-cache.js';
import { buildTar } from '../../helpers/layers.js';

let cacheDir: string;
beforeEach(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), 'cube-layer-cache-'));
});
afterEach(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

function imageWith(diffId: Digest): ResolvedImage {
  return {
    ref: { transport: 'oci-layout', dir: 'x' },
    manifestDigest: sha256Digest('m'),
    configDigest: sha256Digest('c'),
    platform: { os: 'linux', architecture: 'amd64' },
    layers: [{ digest: sha256Digest('blob'), mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', size: 1, diffId }],
    config: { env: [], exposedPorts: [], labels: {} },
  };
}

/** A source over one in-memory tar that counts how often it is opened. */
function countingSource(tar: Buffer): LayerSource & { opens: number } {
  const source = {
    opens: 0,
    async openLayer() {
      source.opens++;
      return Readable.from([tar.subarray(0, 1000), tar.subarray(1000)]);
    },
  };
  return source;
}

describe('cachingLayerSource', () => {
  it('stores a layer on first read and serves later reads from the cache', async () => {
    const tar = await buildTar([{ name: 'a', content: 'x'.repeat(5000) }]);
    const inner = countingSource(tar);
    const image = imageWith(sha256Digest(tar));
    const cached = cachingLayerSource(inner, cacheDir);
    expect((await drain(await cached.openLayer(image, 0))).equals(tar)).toBe(true);
    expect((await readFile(cachedLayerPath(cacheDir, sha256Digest(tar)))).equals(tar)).toBe(true);
    expect((await drain(await cached.openLayer(image, 0))).equals(tar)).toBe(true);
    expect(inner.opens).toBe(1);
  });

  it('does not store a layer whose verified stream failed (wrong bytes), and passes the failure on', async () => {
    const tar = await buildTar([{ name: 'a', content: 'y'.repeat(3000) }]);
    const image = imageWith(sha256Digest(tar));
    // What a LayerSource does with bytes that do not match the diffId: the stream fails at its end.
    const failing: LayerSource = {
      async openLayer() {
        return Readable.from((async function* () {
          yield tar.subarray(0, 1000);
          yield tar.subarray(1000);
          throw new Error('uncompressed layer does not match its diffId');
        })());
      },
    };
    await expect(drain(await cachingLayerSource(failing, cacheDir).openLayer(image, 0))).rejects.toThrow(/diffId/);
    expect(await readdir(join(cacheDir, 'layers', 'sha256'))).toEqual([]);
  });

  it('detects a stored layer that was altered, fails the read and removes it', async () => {
    const tar = await buildTar([{ name: 'a', content: 'z'.repeat(3000) }]);
    const image = imageWith(sha256Digest(tar));
    const inner = countingSource(tar);
    await drain(await cachingLayerSource(inner, cacheDir).openLayer(image, 0));
    const path = cachedLayerPath(cacheDir, sha256Digest(tar));
    const bytes = await readFile(path);
    bytes[600] = (bytes[600] ?? 0) ^ 1;
    await writeFile(path, bytes);
    await expect(drain(await cachingLayerSource(inner, cacheDir).openLayer(image, 0))).rejects.toThrow(/CUBE3208/);
    expect(await readdir(join(cacheDir, 'layers', 'sha256'))).toEqual([]);
    expect((await drain(await cachingLayerSource(inner, cacheDir).openLayer(image, 0))).equals(tar)).toBe(true);
    expect(inner.opens).toBe(2);
  });

  it('reads a layer it verified earlier in the same build again, but re-checks one changed since', async () => {
    const tar = await buildTar([{ name: 'a', content: 'w'.repeat(3000) }]);
    const image = imageWith(sha256Digest(tar));
    const inner = countingSource(tar);
    const source = cachingLayerSource(inner, cacheDir);
    await drain(await source.openLayer(image, 0));
    expect((await drain(await source.openLayer(image, 0))).equals(tar)).toBe(true);
    const path = cachedLayerPath(cacheDir, sha256Digest(tar));
    const bytes = await readFile(path);
    bytes[700] = (bytes[700] ?? 0) ^ 1;
    await writeFile(path, bytes);
    await expect(drain(await source.openLayer(image, 0))).rejects.toThrow(/CUBE3208/);
    expect(inner.opens).toBe(1);
  });
});
