/**
 * Incremental builds (docs/incremental.md): after one cold build, a change to envd, a COPY, a
 * WORKDIR or a SEAL option is built from the flattened base without reading a layer — the layer
 * blobs are destroyed after the first build to prove it — and the image is byte-identical to a
 * cold build of the same plan with an empty cache.
 */
import { appendFile, cp, mkdir, mkdtemp, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleEnvd, exampleLayout } from '../helpers/example-images.js';
import { runCli } from '../helpers/run-cli.js';

let work: string;
/** A copy of the example layout whose layer blobs are destroyed after the first build. */
let brokenLayout: string;
let envd: string;

interface Variant {
  readonly envd?: string;
  readonly app?: string;
  readonly workdir?: string;
  readonly seal?: string;
  readonly tag?: string;
}

function cubefile(layout: string, v: Variant): string {
  return `FROM oci-layout:${layout}:${v.tag ?? 'python'}
INJECT envd TO /opt/envd/bin/envd
COPY app.py /app/
WORKDIR ${v.workdir ?? '/app'}
ENV PATH=/opt/envd/bin:/usr/local/bin:/usr/bin:/bin
CMD ["/bin/sh", "/app/app.py"]
ENTRYPOINT wrap
SEAL ext4 ${v.seal ?? 'FREE 8MiB'}
`;
}

/** Builds `v` from `layout` with `cache` into a new directory; returns the image and the JSON log. */
async function build(name: string, layout: string, cache: string, v: Variant, extra: string[] = []): Promise<{ image: Buffer; log: string }> {
  const dir = join(work, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'Cubefile'), cubefile(layout, v));
  await writeFile(join(dir, 'app.py'), v.app ?? 'echo hello\n');
  const result = await runCli(['build', '--envd-path', v.envd ?? envd, '--cache-dir', cache, '--out', join(dir, 'out'), '--log-format', 'json', ...extra], { cwd: dir, env: { SOURCE_DATE_EPOCH: '1700000000' } });
  expect(result.code, result.stderr).toBe(0);
  const image = join(dir, 'out', 'rootfs.ext4');
  const fsck = await execa('e2fsck', ['-fn', image], { reject: false });
  expect(fsck.exitCode, fsck.stdout).toBe(0);
  return { image: await readFile(image), log: result.stderr };
}

/** Overwrites every layer blob of `layout` (all tags) with zeros of the same size. */
async function destroyLayers(layout: string): Promise<number> {
  const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
  const blob = (digest: string) => join(layout, 'blobs', ...digest.split(':'));
  let destroyed = 0;
  for (const { digest } of index.manifests) {
    const manifest = JSON.parse(await readFile(blob(digest), 'utf8')) as { layers: { digest: string; size: number }[] };
    for (const layer of manifest.layers) {
      await writeFile(blob(layer.digest), Buffer.alloc(layer.size));
      destroyed++;
    }
  }
  return destroyed;
}

const reused = (log: string): boolean => log.includes('reused from the flattened rootfs');

/** The records of a JSON log with `event`. */
function records(log: string, event: string): Record<string, unknown>[] {
  return log
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((r) => r.event === event);
}

async function changedEnvd(name: string): Promise<string> {
  const changed = join(work, name);
  await cp(envd, changed);
  await appendFile(changed, Buffer.from(`a different build of envd: ${name}`));
  return changed;
}

let cache: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cube-incremental-'));
  brokenLayout = join(work, 'oci');
  await cp(exampleLayout, brokenLayout, { recursive: true });
  envd = join(work, 'envd');
  await cp(exampleEnvd, envd);
  cache = join(work, 'cache');
  const first = await build('first', brokenLayout, cache, {});
  expect(reused(first.log)).toBe(false);
  expect(await destroyLayers(brokenLayout)).toBeGreaterThan(0);
  // Nor may a build fall back on the layers the first one kept uncompressed.
  await rm(join(cache, 'layers'), { recursive: true, force: true });
}, 120_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('an incremental build', () => {
  const cases: [string, () => Promise<Variant>][] = [
    ['envd changed', async () => ({ envd: await changedEnvd('envd-changed') })],
    ['a COPY source changed', async () => ({ app: 'echo hello, world\n' })],
    ['WORKDIR changed', async () => ({ workdir: '/srv/app' })],
    ['SEAL options changed', async () => ({ seal: 'SIZE 96MiB journal label=app' })],
  ];
  it.each(cases)('with %s reads no layer and writes the image a cold build writes', async (name, variant) => {
    const v = await variant();
    const slug = name.replaceAll(' ', '-');
    const incremental = await build(`inc-${slug}`, brokenLayout, cache, v);
    expect(reused(incremental.log)).toBe(true);
    const cold = await build(`cold-${slug}`, exampleLayout, join(work, `cache-${slug}`), v);
    expect(reused(cold.log)).toBe(false);
    expect(incremental.image.equals(cold.image)).toBe(true);
  }, 120_000);

  it('is not used for another base image, which builds cold to the same bytes as with an empty cache', async () => {
    const cacheNode = join(work, 'cache-node');
    const warm = await build('python-then-node-1', exampleLayout, cacheNode, {});
    expect(reused(warm.log)).toBe(false);
    const other = await build('python-then-node-2', exampleLayout, cacheNode, { tag: 'node' });
    expect(reused(other.log)).toBe(false);
    const cold = await build('node-cold', exampleLayout, join(work, 'cache-node-cold'), { tag: 'node' });
    expect(other.image.equals(cold.image)).toBe(true);
  }, 120_000);

  it('says so in --explain and in the metadata file', async () => {
    const metadata = join(work, 'metadata.json');
    const { log } = await build('explained', brokenLayout, cache, { envd: await changedEnvd('envd-explained') }, ['--explain', '--metadata-file', metadata]);
    const rows = new Map(records(log, 'explain').map((r) => [r.kind as string, r.reason]));
    expect(rows.get('rootfs')).toBe('base');
    expect(rows.get('layer')).toBe('base');
    expect(rows.get('inject')).not.toBe('base');
    expect(rows.get('seal')).not.toBe('base');
    expect(JSON.parse(await readFile(metadata, 'utf8'))['cube.cache'].rootfs).toBe('base');
  }, 120_000);

  it('is not used with --no-cache', async () => {
    const { log } = await build('no-cache', exampleLayout, join(work, 'cache-no-cache'), {});
    const again = await build('no-cache-2', exampleLayout, join(work, 'cache-no-cache'), { envd: await changedEnvd('envd-no-cache') }, ['--no-cache']);
    expect(reused(log) || reused(again.log)).toBe(false);
  }, 120_000);

  it('finds base data changed on disk, discards the base and builds from the layers, to the same bytes', async () => {
    const own = join(work, 'cache-flipped');
    await build('flip-1', exampleLayout, own, {});
    const [base] = await readdir(join(own, 'bases'));
    const data = join(own, 'bases', base as string, 'data.img');
    // A byte of file data changes in place; the times are put back, so only the data can tell.
    const times = join(work, 'times');
    await writeFile(times, '');
    await execa('touch', ['-r', data, times]);
    const file = await open(data, 'r+');
    const block = Buffer.alloc(1);
    await file.read(block, 0, 1, 40 * 4096);
    await file.write(Buffer.from([(block[0] as number) ^ 0xff]), 0, 1, 40 * 4096);
    await file.close();
    await execa('touch', ['-r', times, data]);
    const v = { envd: await changedEnvd('envd-flipped') };
    const rebuilt = await build('flip-2', exampleLayout, own, v);
    expect(rebuilt.log).toContain('changed on disk; discarding it and sealing from the layers');
    const cold = await build('flip-cold', exampleLayout, join(work, 'cache-flip-cold'), v);
    expect(rebuilt.image.equals(cold.image)).toBe(true);
  }, 120_000);
});
