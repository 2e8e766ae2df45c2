/** docker-archive: both the legacy `<id>/layer.tar` form and the blobs/sha256 form of newer `docker save`. */
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pack } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drain } from '../../helpers/streams.js';
import { DiagnosticError } from '../../../src/core/diagnostics/index.js';
import { createImageSources } from '../../../src/executor/image/index.js';
import { buildTar } from '../../helpers/layers.js';

let dir: string;
let layers: Buffer[];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cube-archive-'));
  layers = [await buildTar([{ name: 'etc/hostname', content: 'saved\n' }]), await buildTar([{ name: 'app/run', content: '#!/bin/sh\n', mode: 0o755 }])];
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const hex = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

async function archive(path: string, form: 'legacy' | 'blobs', tags: string[]): Promise<void> {
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['/app/run'] }, rootfs: { type: 'layers', diff_ids: layers.map((l) => `sha256:${hex(l)}`) } }));
  const layerNames = layers.map((l, i) => (form === 'legacy' ? `layer${i}/layer.tar` : `blobs/sha256/${hex(l)}`));
  const configName = form === 'legacy' ? `${hex(config)}.json` : `blobs/sha256/${hex(config)}`;
  const files: [string, Buffer][] = [[configName, config], ...layers.map((l, i) => [layerNames[i] as string, l] as [string, Buffer]), ['manifest.json', Buffer.from(JSON.stringify([{ Config: configName, RepoTags: tags, Layers: layerNames }]))]];
  const p = pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of p) chunks.push(c as Buffer);
  })();
  for (const [name, data] of files) await new Promise<void>((res, rej) => p.entry({ name }, data, (e) => (e ? rej(e) : res())));
  p.finalize();
  await done;
  await writeFile(path, Buffer.concat(chunks));
}

describe('docker-archive sources', () => {
  it.each(['legacy', 'blobs'] as const)('reads the %s form, by tag and without one', async (form) => {
    await archive(join(dir, `${form}.tar`), form, ['myapp:1.0']);
    const sources = createImageSources({ cacheDir: join(dir, 'cache') });
    for (const ref of [undefined, 'myapp:1.0', 'docker.io/library/myapp:1.0']) {
      const image = await sources.resolver.resolve({ transport: 'docker-archive', file: `${form}.tar`, ...(ref ? { ref } : {}) }, { contextDir: dir });
      expect(image.config.cmd).toEqual(['/app/run']);
      for (const [i, layer] of layers.entries()) expect((await drain(await sources.layers.openLayer(image, i))).equals(layer)).toBe(true);
    }
  });

  it('names the tags it holds when the reference is not among them', async () => {
    await archive(join(dir, 'tagged.tar'), 'legacy', ['myapp:1.0']);
    const sources = createImageSources({ cacheDir: join(dir, 'cache') });
    try {
      await sources.resolver.resolve({ transport: 'docker-archive', file: 'tagged.tar', ref: 'myapp:2.0' }, { contextDir: dir });
      expect.unreachable();
    } catch (error) {
      expect((error as DiagnosticError).diagnostics[0]).toMatchObject({ code: 'CUBE3102', hint: 'it holds: myapp:1.0' });
    }
    await expect(sources.resolver.resolve({ transport: 'docker-archive', file: 'missing.tar' }, { contextDir: dir })).rejects.toThrow(/CUBE3108/);
  });

  it('refuses a device or a directory at once instead of reading it forever', async () => {
    const sources = createImageSources({ cacheDir: join(dir, 'cache') });
    await expect(sources.resolver.resolve({ transport: 'docker-archive', file: '/dev/zero' }, { contextDir: dir })).rejects.toThrow('CUBE3108: docker-archive:/dev/zero: /dev/zero is not a regular file');
    await expect(sources.resolver.resolve({ transport: 'docker-archive', file: '.' }, { contextDir: dir })).rejects.toThrow(/is not a regular file/);
  });
});
