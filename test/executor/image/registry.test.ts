/** Pulling from a real docker-registry (started here on 127.0.0.1), with and without faults. */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drain } from '../../helpers/streams.js';
import type { ImageRef } from '../../../src/core/build-spec.js';
import type { Digest } from '../../../src/core/digest.js';
import { createImageSources } from '../../../src/executor/image/index.js';
import { startFaultProxy } from '../../helpers/fault-proxy.js';
import type { FaultProxy } from '../../helpers/fault-proxy.js';
import { codeOf } from '../../helpers/diagnostics.js';
import { buildTar } from '../../helpers/layers.js';
import { freePort, pushImage, pushManifest, startRegistry } from '../../helpers/registry.js';
import { DiagnosticError } from '../../../src/core/diagnostics/index.js';
import type { Registry } from '../../helpers/registry.js';

const FAST = { attempts: 6, baseDelayMs: 20, maxDelayMs: 1500, stallMs: 1000 };
let registry: Registry;
let work: string;
let tars: Buffer[];
let big: Buffer;
let bigTar: Buffer;
let bigLayer: string;

beforeAll(async () => {
  registry = await startRegistry();
  work = await mkdtemp(join(tmpdir(), 'cube-pull-'));
  tars = [await buildTar([{ name: 'etc/os-release', content: 'ID=test\n' }]), await buildTar([{ name: 'app/main', content: 'x'.repeat(100_000) }])];
  await pushImage(registry.host, 'team/app', 'v1', [{ tar: tars[0] as Buffer, compression: 'gzip' }, { tar: tars[1] as Buffer, compression: 'zstd' }], { Cmd: ['/app/main'] });
  // A 50 MiB layer of incompressible bytes, for resume tests.
  big = Buffer.alloc(50 << 20);
  for (let i = 0; i < big.length; i += 32) createHash('sha256').update(String(i)).digest().copy(big, i);
  bigTar = await buildTar([{ name: 'blob.bin', content: big.toString('hex').slice(0, 50 << 20) }]);
  await pushImage(registry.host, 'team/big', 'v1', [{ tar: bigTar, compression: 'none' }]);
  bigLayer = `sha256:${createHash('sha256').update(bigTar).digest('hex')}`;
}, 120_000);

afterAll(async () => {
  await registry.stop();
  await rm(work, { recursive: true, force: true });
});

function ref(host: string, repository: string, tag?: string, digest?: string): ImageRef {
  return { transport: 'registry', registry: host, repository, ...(tag ? { tag } : {}), ...(digest ? { digest: digest as Digest } : {}) };
}

async function cacheDir(): Promise<string> {
  return mkdtemp(join(work, 'cache-'));
}

describe('pulling', () => {
  it('by tag and by digest, with gzip and zstd layers verified against their diffIds', async () => {
    const sources = createImageSources({ cacheDir: await cacheDir(), retry: FAST });
    const image = await sources.resolver.resolve(ref(registry.host, 'team/app', 'v1'), { contextDir: work, platform: { os: 'linux', architecture: 'amd64' } });
    expect(image.config.cmd).toEqual(['/app/main']);
    for (const [i, tar] of tars.entries()) expect((await drain(await sources.layers.openLayer(image, i))).equals(tar)).toBe(true);
    const byDigest = await sources.resolver.resolve(ref(registry.host, 'team/app', undefined, image.manifestDigest), { contextDir: work });
    expect(byDigest.manifestDigest).toBe(image.manifestDigest);
    expect(await codeOf(sources.resolver.resolve(ref(registry.host, 'team/app', 'nope'), { contextDir: work }))).toBe('CUBE3112');
  });

  it('selects the platform from a multi-platform index, skipping attestations', async () => {
    const tar = await buildTar([{ name: 'a', content: 'a' }]);
    const amd = await pushImage(registry.host, 'team/multi', undefined, [{ tar, compression: 'gzip' }], { Cmd: ['amd'] });
    const arm = await pushImage(registry.host, 'team/multi', undefined, [{ tar, compression: 'gzip' }], { Cmd: ['arm'] }, { os: 'linux', architecture: 'arm64' });
    const attestation = { ...(await pushImage(registry.host, 'team/multi', undefined, [{ tar, compression: 'gzip' }])), platform: { os: 'unknown', architecture: 'unknown' } };
    const index = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [attestation, amd, arm] };
    const indexDigest = await pushManifest(registry.host, 'team/multi', 'latest', index, index.mediaType);
    const sources = createImageSources({ cacheDir: await cacheDir(), retry: FAST });
    const picked = await sources.resolver.resolve(ref(registry.host, 'team/multi', 'latest'), { contextDir: work, platform: { os: 'linux', architecture: 'arm64' } });
    expect(picked.manifestDigest).toBe(arm.digest);
    expect(picked.indexDigest).toBe(indexDigest);
    expect(picked.config.cmd).toEqual(['arm']);
  });

  it('reports download progress per layer, ending at the size of each', async () => {
    const sources = createImageSources({ cacheDir: await cacheDir(), retry: FAST });
    const image = await sources.resolver.resolve(ref(registry.host, 'team/app', 'v1'), { contextDir: work });
    const last = new Map<string, { done: number; total: number }>();
    await sources.layers.prefetch?.(image, (event) => last.set(event.digest, { done: event.done, total: event.total }));
    expect([...last.keys()].sort()).toEqual(image.layers.map((l) => l.digest).sort());
    for (const layer of image.layers) expect(last.get(layer.digest)).toEqual({ done: layer.size, total: layer.size });
  });

  it('two processes pulling the same image at once both succeed and store each blob once', async () => {
    const dir = await cacheDir();
    const pull = async (): Promise<void> => {
      const sources = createImageSources({ cacheDir: dir, retry: FAST });
      const image = await sources.resolver.resolve(ref(registry.host, 'team/app', 'v1'), { contextDir: work });
      await sources.layers.prefetch?.(image);
      await drain(await sources.layers.openLayer(image, 1));
    };
    await Promise.all([pull(), pull()]);
    const names = await readdir(join(dir, 'blobs', 'sha256'));
    expect(names.filter((n) => n.startsWith('.'))).toEqual([]);
    expect(names).toHaveLength(4);
  });

  it('a stored blob with a flipped bit is detected, deleted and fetched again', async () => {
    const dir = await cacheDir();
    const first = createImageSources({ cacheDir: dir, retry: FAST });
    const image = await first.resolver.resolve(ref(registry.host, 'team/app', 'v1'), { contextDir: work });
    await first.layers.prefetch?.(image);
    const path = join(dir, 'blobs', 'sha256', image.layers[0]?.digest.slice(7) as string);
    const bytes = await readFile(path);
    bytes[10] = (bytes[10] as number) ^ 1;
    await writeFile(path, bytes);
    const second = createImageSources({ cacheDir: dir, retry: FAST });
    const again = await second.resolver.resolve(ref(registry.host, 'team/app', 'v1'), { contextDir: work });
    expect((await drain(await second.layers.openLayer(again, 0))).equals(tars[0] as Buffer)).toBe(true);
  });
});

describe('faults between cube and the registry', () => {
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = await startFaultProxy(registry.host);
  });
  afterAll(async () => {
    await proxy.stop();
  });

  const pullBig = async (dir: string): Promise<Buffer> => {
    const sources = createImageSources({ cacheDir: dir, retry: FAST });
    const image = await sources.resolver.resolve(ref(proxy.host, 'team/big', 'v1'), { contextDir: work });
    return drain(await sources.layers.openLayer(image, 0));
  };

  it('names the cause when nothing answers at all', async () => {
    const port = await freePort();
    const sources = createImageSources({ cacheDir: await cacheDir(), retry: { ...FAST, attempts: 2 } });
    const error = await sources.resolver.resolve(ref(`127.0.0.1:${port}`, 'team/app', 'v1'), { contextDir: work }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiagnosticError);
    const message = (error as DiagnosticError).diagnostics[0]?.message ?? '';
    expect(message).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v2\/team\/app\/manifests\/v1: fetch failed \(connect ECONNREFUSED 127\.0\.0\.1:\d+\) after 2 attempts$/);
  });

  it('gives up at once on a host name that does not resolve (.invalid never does)', async () => {
    const sources = createImageSources({ cacheDir: await cacheDir(), retry: { ...FAST, attempts: 3, baseDelayMs: 5000 } });
    const started = Date.now();
    const error = await sources.resolver.resolve(ref('registry.cube-test.invalid', 'team/app', 'v1'), { contextDir: work }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(4000);
    const diagnostic = (error as DiagnosticError).diagnostics[0];
    expect(diagnostic?.message).toContain('ENOTFOUND registry.cube-test.invalid');
    expect(diagnostic?.hint).toContain('does not resolve');
  });

  it('retries 503 and 429 (honouring Retry-After) and a dropped connection, then succeeds', async () => {
    proxy.faults.push({ match: /manifests/, status: 503 }, { match: /manifests/, status: 429, retryAfter: 1 }, { match: /blobs/, drop: true }, { match: /blobs/, status: 502 });
    const started = Date.now();
    const tar = await pullBig(await cacheDir());
    expect(tar.equals(bigTar)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(proxy.faults).toEqual([]);
  }, 120_000);

  it('resumes a 50 MiB blob interrupted halfway with a Range request', async () => {
    proxy.seen.length = 0;
    proxy.faults.push({ match: new RegExp(bigLayer), truncateAfter: 20 << 20 });
    const dir = await cacheDir();
    const tar = await pullBig(dir);
    expect(tar.equals(bigTar)).toBe(true);
    const ranges = proxy.seen.filter((r) => r.range !== undefined).map((r) => r.range);
    expect(ranges.some((r) => /^bytes=[1-9]\d*-$/.test(r as string))).toBe(true);
    expect((await readdir(join(dir, 'blobs', 'sha256'))).filter((n) => n.startsWith('.'))).toEqual([]);
  }, 120_000);

  it('a run that gives up keeps the partial blob, and the next run resumes it with Range', async () => {
    const dir = await cacheDir();
    proxy.faults.push({ match: new RegExp(bigLayer), truncateAfter: 30 << 20 });
    const first = createImageSources({ cacheDir: dir, retry: { ...FAST, attempts: 1 } });
    const image = await first.resolver.resolve(ref(proxy.host, 'team/big', 'v1'), { contextDir: work });
    expect(await codeOf(first.layers.openLayer(image, 0).then(drain))).toBe('CUBE3110');
    const partials = (await readdir(join(dir, 'blobs', 'sha256'))).filter((n) => n.endsWith('.partial'));
    expect(partials).toHaveLength(1);
    // How much arrived before the cut depends on the sockets' buffers; the next run starts there.
    const kept = (await stat(join(dir, 'blobs', 'sha256', partials[0] as string))).size;
    expect(kept).toBeGreaterThan(0);
    proxy.seen.length = 0;
    const second = createImageSources({ cacheDir: dir, retry: FAST });
    const again = await second.resolver.resolve(ref(proxy.host, 'team/big', 'v1'), { contextDir: work });
    expect((await drain(await second.layers.openLayer(again, 0))).equals(bigTar)).toBe(true);
    expect(proxy.seen.filter((r) => r.path.includes(bigLayer)).map((r) => r.range)).toContain(`bytes=${kept}-`);
    expect((await readdir(join(dir, 'blobs', 'sha256'))).filter((n) => n.startsWith('.'))).toEqual([]);
  }, 120_000);

  it('a failed transfer gives its lock back, and a lock left by a process that died is taken over at once', async () => {
    const dir = await cacheDir();
    const blobs = join(dir, 'blobs', 'sha256');
    proxy.faults.push({ match: new RegExp(bigLayer), status: 500 });
    const failing = createImageSources({ cacheDir: dir, retry: { ...FAST, attempts: 1 } });
    const image = await failing.resolver.resolve(ref(proxy.host, 'team/big', 'v1'), { contextDir: work });
    expect(await codeOf(failing.layers.openLayer(image, 0).then(drain))).toBe('CUBE3110');
    expect((await readdir(blobs)).filter((n) => n.endsWith('.lock'))).toEqual([]);
    // A run killed mid-download: its lock names a process that no longer exists.
    const dead = spawnSync('true').pid;
    await writeFile(join(blobs, `.${bigLayer.slice(7)}.lock`), `${dead} ${hostname()}\n`);
    const again = createImageSources({ cacheDir: dir, retry: FAST });
    const resolved = await again.resolver.resolve(ref(proxy.host, 'team/big', 'v1'), { contextDir: work });
    expect((await drain(await again.layers.openLayer(resolved, 0))).equals(bigTar)).toBe(true);
    expect((await readdir(blobs)).filter((n) => n.startsWith('.'))).toEqual([]);
  }, 120_000);

  it('completes a transfer interrupted halfway when the registry then ignores Range and sends the whole blob', async () => {
    proxy.seen.length = 0;
    proxy.faults.push({ match: new RegExp(bigLayer), truncateAfter: 20 << 20 }, { match: new RegExp(bigLayer), ignoreRange: true });
    const dir = await cacheDir();
    const tar = await pullBig(dir);
    expect(tar.equals(bigTar)).toBe(true);
    expect(proxy.faults).toEqual([]);
    // It asked to resume, got the whole blob, and did not ask again.
    expect(proxy.seen.filter((r) => r.path.includes(bigLayer.slice(7)) && r.range !== undefined)).toHaveLength(1);
    expect((await readdir(join(dir, 'blobs', 'sha256'))).filter((n) => n.startsWith('.'))).toEqual([]);
  }, 120_000);

  it('abandons a stalled transfer and resumes it', async () => {
    proxy.faults.push({ match: new RegExp(bigLayer), stallAfter: 5 << 20 });
    const tar = await pullBig(await cacheDir());
    expect(tar.equals(bigTar)).toBe(true);
  }, 60_000);

  it('rejects content that does not match its digest and stores nothing for it', async () => {
    const dir = await cacheDir();
    const sources = createImageSources({ cacheDir: dir, retry: { ...FAST, attempts: 1 } });
    const image = await sources.resolver.resolve(ref(proxy.host, 'team/app', 'v1'), { contextDir: work });
    proxy.faults.push({ match: new RegExp(image.layers[1]?.digest as string), corrupt: true });
    expect(await codeOf(sources.layers.openLayer(image, 1).then(drain))).toBe('CUBE3104');
    const stored = await readdir(join(dir, 'blobs', 'sha256'));
    expect(stored).not.toContain(image.layers[1]?.digest.slice(7));
    expect(stored.filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('a manifest whose bytes do not match the digest asked for is rejected', async () => {
    const sources = createImageSources({ cacheDir: await cacheDir(), retry: FAST });
    const good = await sources.resolver.resolve(ref(registry.host, 'team/app', 'v1'), { contextDir: work });
    proxy.faults.push({ match: /manifests\/sha256/, corrupt: true });
    expect(await codeOf(sources.resolver.resolve(ref(proxy.host, 'team/app', undefined, good.manifestDigest), { contextDir: work }))).toMatch(/CUBE310[45]/);
  });
});

describe('redirects to blob storage', () => {
  it('follow the redirect without sending the registry credentials to the other origin', async () => {
    const front = await startFaultProxy(registry.host, { requireBasic: true });
    // A stand-in for blob storage on another origin: it records headers and serves the real bytes.
    const storageSeen: (string | undefined)[] = [];
    const storage = createServer((req, res) => {
      storageSeen.push(req.headers.authorization);
      fetch(`http://${registry.host}${req.url}`).then(async (r) => {
        res.writeHead(r.status, { 'content-type': 'application/octet-stream' });
        res.end(Buffer.from(await r.arrayBuffer()));
      }, () => res.destroy());
    });
    await new Promise<void>((resolve) => storage.listen(0, '127.0.0.1', resolve));
    const port = (storage.address() as { port: number }).port;
    try {
      const dir = await cacheDir();
      await mkdir(join(dir, 'docker'), { recursive: true });
      await writeFile(join(dir, 'docker', 'config.json'), JSON.stringify({ auths: { [front.host]: { auth: Buffer.from('bob:hunter2').toString('base64') } } }));
      for (let i = 0; i < 4; i++) front.faults.push({ match: /\/blobs\//, redirectTo: (path) => `http://127.0.0.1:${port}${path}` });
      const sources = createImageSources({ cacheDir: dir, retry: FAST, env: { DOCKER_CONFIG: join(dir, 'docker'), HOME: dir } });
      const image = await sources.resolver.resolve(ref(front.host, 'team/app', 'v1'), { contextDir: work });
      expect((await drain(await sources.layers.openLayer(image, 1))).equals(tars[1] as Buffer)).toBe(true);
      expect(storageSeen.length).toBeGreaterThan(0);
      expect(storageSeen.every((a) => a === undefined)).toBe(true);
      expect(front.seen.some((r) => r.authorization === `Basic ${Buffer.from('bob:hunter2').toString('base64')}`)).toBe(true);
    } finally {
      await front.stop();
      await new Promise((resolve) => storage.close(resolve));
    }
  });
});

describe('a pull-through cache registry', () => {
  it('serves the image from the upstream registry', async () => {
    const mirror = await startRegistry(`proxy:\n  remoteurl: http://${registry.host}\n`);
    try {
      const sources = createImageSources({ cacheDir: await cacheDir(), retry: FAST });
      const image = await sources.resolver.resolve(ref(mirror.host, 'team/app', 'v1'), { contextDir: work });
      expect((await drain(await sources.layers.openLayer(image, 1))).equals(tars[1] as Buffer)).toBe(true);
      const viaMirror = createImageSources({ cacheDir: await cacheDir(), retry: FAST, mirrors: new Map([[registry.host, [`http://${mirror.host}`]]]) });
      const again = await viaMirror.resolver.resolve(ref(registry.host, 'team/app', 'v1'), { contextDir: work });
      expect(again.manifestDigest).toBe(image.manifestDigest);
    } finally {
      await mirror.stop();
    }
  });
});
