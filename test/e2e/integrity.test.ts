/**
 * Verified reuse and outputs that belong together: a cached image that no longer matches its
 * entry is never an output, an output edited in place is replaced, what a killed build left is
 * cleaned up, and concurrent builds into one output directory leave a consistent set.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, open, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planDigest } from '../../src/executor/build/index.js';
import { originsFromJson } from '../../src/executor/build/origins.js';
import { launchManifestSchema } from '../../src/executor/launch/index.js';
import { parsePlanJson } from '../../src/planner/index.js';
import { bundleCli } from '../helpers/cli-process.js';
import { exampleEnvd, exampleLayout } from '../helpers/example-images.js';
import { runCli } from '../helpers/run-cli.js';

let work: string;
let cube: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cube-integrity-'));
  cube = await bundleCli(work);
  for (const [name, cmd] of [['one', 'first'], ['two', 'second']] as const) {
    await execa('mkdir', ['-p', join(work, name)]);
    await writeFile(join(work, name, 'Cubefile'), `FROM oci-layout:${exampleLayout}:python\nINJECT envd\nCMD ["sleep", "${cmd === 'first' ? 1 : 2}"]\nENTRYPOINT wrap\nSEAL ext4 FREE ${cmd === 'first' ? 8 : 16}MiB\n`);
  }
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const sha256 = async (path: string): Promise<string> => `sha256:${createHash('sha256').update(await readFile(path)).digest('hex')}`;
const build = (project: string, out: string, cache: string) =>
  runCli(['build', join(work, project), '--envd-path', exampleEnvd, '--cache-dir', cache, '--out', out], { cwd: work });

/** The output set is consistent: launch.json describes the rootfs.ext4 beside it, and plan.json and origins.json are its build's. */
async function expectConsistent(out: string): Promise<void> {
  const manifest = launchManifestSchema.parse(JSON.parse(await readFile(join(out, 'launch.json'), 'utf8')));
  expect(manifest.artifact.sha256).toBe(await sha256(join(out, 'rootfs.ext4')));
  expect(manifest.artifact.size).toBe((await stat(join(out, 'rootfs.ext4'))).size);
  const plan = parsePlanJson(await readFile(join(out, 'plan.json'), 'utf8'), 'plan.json');
  expect(planDigest(plan)).toBe(manifest.planDigest);
  expect(originsFromJson(await readFile(join(out, 'origins.json'), 'utf8'))?.seal).toBe(plan.roots.seal);
}

async function flipByte(path: string, at: number): Promise<void> {
  const file = await open(path, 'r+');
  const byte = Buffer.alloc(1);
  await file.read(byte, 0, 1, at);
  byte[0] = (byte[0] as number) ^ 0xff;
  await file.write(byte, 0, 1, at);
  await file.close();
}

describe('verified reuse', () => {
  it('a flipped byte in the cached image is caught on the way out: the entry is discarded and the image sealed again', async () => {
    const cache = join(work, 'cache-flip');
    expect((await build('one', join(work, 'out-a'), cache)).code).toBe(0);
    const good = await sha256(join(work, 'out-a', 'rootfs.ext4'));
    const [entry] = await readdir(join(cache, 'artifacts'));
    await flipByte(join(cache, 'artifacts', entry as string, 'rootfs.ext4'), 4096 * 3);
    const run = await build('one', join(work, 'out-b'), cache);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`not the ${good} its entry records; discarding the entry and sealing again`);
    expect(await sha256(join(work, 'out-b', 'rootfs.ext4'))).toBe(good);
    await expectConsistent(join(work, 'out-b'));
    expect(await sha256(join(cache, 'artifacts', entry as string, 'rootfs.ext4'))).toBe(good);
  });

  it('an output edited in place, its modification time put back, is replaced by the next build', async () => {
    const cache = join(work, 'cache-edit');
    const out = join(work, 'out-edit');
    expect((await build('one', out, cache)).code).toBe(0);
    const image = join(out, 'rootfs.ext4');
    const good = await sha256(image);
    const { atime, mtime } = await stat(image);
    await flipByte(image, 4096 * 3);
    await utimes(image, atime, mtime);
    const again = await build('one', out, cache);
    expect(again.code, again.stderr).toBe(0);
    // The output is the cache's own image: the edit reached the entry, which is not trusted again.
    expect(again.stderr).toContain(`not the ${good} its entry records; discarding the entry and sealing again`);
    expect(await sha256(image)).toBe(good);
    await expectConsistent(out);
    const [entry] = await readdir(join(cache, 'artifacts'));
    expect(await sha256(join(cache, 'artifacts', entry as string, 'rootfs.ext4'))).toBe(good);
  });
});

describe('the output image and the cache', () => {
  it('are one file on one filesystem: the image is written once, and placing it again reads it only to check it', async () => {
    const cache = join(work, 'cache-link');
    const out = join(work, 'out-link');
    expect((await build('one', out, cache)).code).toBe(0);
    const [entry] = await readdir(join(cache, 'artifacts'));
    const cached = await stat(join(cache, 'artifacts', entry as string, 'rootfs.ext4'));
    const placed = await stat(join(out, 'rootfs.ext4'));
    expect([placed.dev, placed.ino]).toEqual([cached.dev, cached.ino]);
    await expectConsistent(out);
    // A second output directory takes the same file.
    const other = join(work, 'out-link-2');
    expect((await build('one', other, cache)).code).toBe(0);
    expect((await stat(join(other, 'rootfs.ext4'))).ino).toBe(cached.ino);
    await expectConsistent(other);
  });

  it.runIf(process.getuid?.() === 0)('are separate, identical files when the output is on another filesystem (needs root)', async () => {
    const cache = join(work, 'cache-apart');
    const disk = join(work, 'other-disk');
    await execa('mkdir', ['-p', disk]);
    await execa('mount', ['-t', 'tmpfs', '-o', 'size=256m', 'tmpfs', disk]);
    try {
      const out = join(disk, 'out');
      const run = await build('one', out, cache);
      expect(run.code, run.stderr).toBe(0);
      const [entry] = await readdir(join(cache, 'artifacts'));
      const cachedPath = join(cache, 'artifacts', entry as string, 'rootfs.ext4');
      expect((await stat(join(out, 'rootfs.ext4'))).dev).not.toBe((await stat(cachedPath)).dev);
      expect(await sha256(join(out, 'rootfs.ext4'))).toBe(await sha256(cachedPath));
      await expectConsistent(out);
      const fsck = await execa('e2fsck', ['-fn', join(out, 'rootfs.ext4')], { reject: false });
      expect(fsck.exitCode, fsck.stdout).toBe(0);
    } finally {
      await execa('umount', [disk]);
    }
  });
});

describe('a full disk', () => {
  it.runIf(process.getuid?.() === 0)('ends in a diagnostic (exit 3) that says so, and leaves no temporary file (needs root)', async () => {
    const disk = join(work, 'small-disk');
    await execa('mkdir', ['-p', disk]);
    await execa('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', disk]);
    try {
      const run = await runCli(['build', join(work, 'one'), '--envd-path', exampleEnvd, '--cache-dir', join(disk, 'cache'), '--out', join(disk, 'out')], { cwd: work });
      expect(run.code).toBe(3);
      expect(run.stderr).toContain('error CUBE3230: cannot write: out of disk space');
      expect(run.stderr).not.toMatch(/\n\s+at /);
      const { stdout } = await execa('find', [disk, '-name', '*.tmp']);
      expect(stdout).toBe('');
    } finally {
      await execa('umount', [disk]);
    }
  });
});

describe('outputs that belong together', () => {
  it('four concurrent builds of two templates into one output directory leave a consistent set and nothing else', async () => {
    const cache = join(work, 'cache-race');
    const out = join(work, 'out-race');
    const runs = ['one', 'two', 'one', 'two'].map((project) =>
      execa('node', [cube, 'build', join(work, project), '--envd-path', exampleEnvd, '--out', out], { reject: false, env: { CUBE_CACHE_DIR: cache } }),
    );
    for (const run of await Promise.all(runs)) expect(run.exitCode, run.stderr).toBe(0);
    await expectConsistent(out);
    expect((await readdir(out)).sort()).toEqual(['launch.json', 'origins.json', 'plan.json', 'rootfs.ext4']);
  }, 120_000);

  it('what a build killed with SIGKILL left behind is removed by the next build', async () => {
    const cache = join(work, 'cache-kill');
    const out = join(work, 'out-kill');
    const child = execa('node', [cube, 'build', join(work, 'two'), '--envd-path', exampleEnvd, '--out', out, '--no-cache'], { reject: false, env: { CUBE_CACHE_DIR: cache } });
    // Killed while its entry is staged in the cache (the whole seal).
    const staged = async (): Promise<string[]> => (await readdir(join(cache, 'artifacts')).catch(() => [])).filter((n) => n.endsWith('.tmp'));
    for (let i = 0; i < 3000 && (await staged()).length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGKILL');
    await child;
    expect(await staged()).not.toEqual([]);
    const again = await build('two', out, cache);
    expect(again.code, again.stderr).toBe(0);
    expect(await staged()).toEqual([]);
    expect((await readdir(out)).filter((n) => n.startsWith('.'))).toEqual([]);
    await expectConsistent(out);
  }, 120_000);
});
