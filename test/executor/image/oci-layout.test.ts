import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { drain } from '../../helpers/streams.js';
import type { ImageRef } from '../../../src/core/build-spec.js';
import { DiagnosticError } from '../../../src/core/diagnostics/index.js';
import { createImageSources } from '../../../src/executor/image/index.js';
import { codeOf } from '../../helpers/diagnostics.js';
import { buildTar } from '../../helpers/layers.js';
import { putBlob, putImage, putIndex, tagged } from '../../helpers/oci-layout.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cube-layout-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const amd64 = { os: 'linux', architecture: 'amd64' } as const;

function ref(tag?: string, digest?: string): ImageRef {
  return { transport: 'oci-layout', dir: 'layout', ...(tag ? { tag } : {}), ...(digest ? { digest: digest as `sha256:${string}` } : {}) };
}

describe('oci-layout sources', () => {
  it('resolves a tag to its manifest, config and layers, and streams verified uncompressed layers', async () => {
    const layout = join(dir, 'layout');
    const tars = [await buildTar([{ name: 'etc/a', content: 'one' }]), await buildTar([{ name: 'etc/b', content: 'two' }])];
    const desc = await putImage(layout, [{ tar: tars[0] as Buffer, compression: 'gzip' }, { tar: tars[1] as Buffer, compression: 'zstd' }], {
      Env: ['PATH=/bin'],
      Cmd: ['sh'],
      WorkingDir: '/w',
      ExposedPorts: { '80/tcp': {} },
    });
    await putIndex(layout, [{ ...desc, ...tagged('v1') }]);
    const sources = createImageSources({ cacheDir: join(dir, 'cache') });
    const image = await sources.resolver.resolve(ref('v1'), { contextDir: dir, platform: amd64 });
    expect(image.manifestDigest).toBe(desc.digest);
    expect(image.config).toEqual({ env: ['PATH=/bin'], cmd: ['sh'], workingDir: '/w', exposedPorts: ['80/tcp'], labels: {} });
    expect(image.layers).toHaveLength(2);
    for (const [i, tar] of tars.entries()) {
      const bytes = await drain(await sources.layers.openLayer(image, i));
      expect(bytes.equals(tar)).toBe(true);
    }
    const byDigest = await sources.resolver.resolve(ref(undefined, desc.digest), { contextDir: dir });
    expect(byDigest.manifestDigest).toBe(desc.digest);
  });

  it('selects the platform from a nested index and skips attestation manifests', async () => {
    const layout = join(dir, 'layout');
    const tar = await buildTar([{ name: 'x', content: 'x' }]);
    const amd = await putImage(layout, [{ tar }], {}, amd64);
    const arm = await putImage(layout, [{ tar }], { Cmd: ['arm'] }, { os: 'linux', architecture: 'arm64' });
    const attestation = { ...(await putImage(layout, [{ tar }])), platform: { os: 'unknown', architecture: 'unknown' } };
    const index = await putBlob(layout, JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [attestation, amd, arm] }));
    await putIndex(layout, [{ mediaType: 'application/vnd.oci.image.index.v1+json', ...index, ...tagged('multi') }]);
    const { resolver } = createImageSources({ cacheDir: dir });
    const picked = await resolver.resolve(ref('multi'), { contextDir: dir, platform: { os: 'linux', architecture: 'arm64' } });
    expect(picked.manifestDigest).toBe(arm.digest);
    expect(picked.indexDigest).toBe(index.digest);
    expect(await codeOf(resolver.resolve(ref('multi'), { contextDir: dir, platform: { os: 'linux', architecture: 's390x' } }))).toBe('CUBE3103');
  });

  it('reports a missing tag with the tags the layout has, and a missing layout', async () => {
    const layout = join(dir, 'layout');
    await putIndex(layout, [{ ...(await putImage(layout, [])), ...tagged('v1') }]);
    const { resolver } = createImageSources({ cacheDir: dir });
    try {
      await resolver.resolve(ref('v2'), { contextDir: dir });
      expect.unreachable();
    } catch (error) {
      const d = (error as DiagnosticError).diagnostics[0];
      expect(d?.code).toBe('CUBE3102');
      expect(d?.hint).toContain('v1');
    }
    expect(await codeOf(resolver.resolve({ transport: 'oci-layout', dir: 'nowhere' }, { contextDir: dir }))).toBe('CUBE3101');
  });

  it('rejects a manifest whose bytes do not match its digest, and a layer that was altered', async () => {
    const layout = join(dir, 'layout');
    const tar = await buildTar([{ name: 'f', content: 'data'.repeat(100) }]);
    const desc = await putImage(layout, [{ tar, compression: 'none' }]);
    await putIndex(layout, [{ ...desc, ...tagged('v1') }]);
    const sources = createImageSources({ cacheDir: dir });
    const image = await sources.resolver.resolve(ref('v1'), { contextDir: dir });
    const blobPath = join(layout, 'blobs', 'sha256', image.layers[0]?.digest.slice(7) as string);
    const bytes = await readFile(blobPath);
    bytes[700] = (bytes[700] ?? 0) ^ 1;
    await writeFile(blobPath, bytes);
    expect(await codeOf(drain(await sources.layers.openLayer(image, 0)))).toBe('CUBE3104');
    const manifestPath = join(layout, 'blobs', 'sha256', desc.digest.slice(7));
    await writeFile(manifestPath, (await readFile(manifestPath, 'utf8')).replace('"schemaVersion":2', '"schemaVersion": 2'));
    expect(await codeOf(sources.resolver.resolve(ref('v1'), { contextDir: dir }))).toBe('CUBE3104');
  });

  it('refuses foreign layers and schema 1 manifests with their own codes', async () => {
    const layout = join(dir, 'layout');
    const tar = await buildTar([{ name: 'f', content: 'x' }]);
    const foreign = await putImage(layout, [{ tar, mediaType: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip' }]);
    const schema1 = await putBlob(layout, JSON.stringify({ schemaVersion: 1, name: 'x', tag: 'y', fsLayers: [] }));
    await putIndex(layout, [
      { ...foreign, ...tagged('foreign') },
      { mediaType: 'application/vnd.docker.distribution.manifest.v1+prettyjws', ...schema1, ...tagged('old') },
    ]);
    const sources = createImageSources({ cacheDir: dir });
    const image = await sources.resolver.resolve(ref('foreign'), { contextDir: dir });
    expect(await codeOf(sources.layers.openLayer(image, 0))).toBe('CUBE3106');
    expect(await codeOf(sources.resolver.resolve(ref('old'), { contextDir: dir }))).toBe('CUBE3107');
  });

  it('refuses a manifest larger than 4 MiB before parsing it', async () => {
    const layout = join(dir, 'layout');
    const huge = await putBlob(layout, JSON.stringify({ schemaVersion: 2, padding: 'x'.repeat(4 * 1024 * 1024) }));
    await putIndex(layout, [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...huge, ...tagged('huge') }]);
    const { resolver } = createImageSources({ cacheDir: dir });
    expect(await codeOf(resolver.resolve(ref('huge'), { contextDir: dir }))).toBe('CUBE3105');
  });

  it('reads the example images', async () => {
    const { exampleLayout } = await import('../../helpers/example-images.js');
    const sources = createImageSources({ cacheDir: dir });
    const image = await sources.resolver.resolve({ transport: 'oci-layout', dir: exampleLayout, tag: 'python' }, { contextDir: dir });
    expect(image.layers).toHaveLength(2);
    const hash = createHash('sha256').update(await drain(await sources.layers.openLayer(image, 1)));
    expect(`sha256:${hash.digest('hex')}`).toBe(image.layers[1]?.diffId);
  });
});
