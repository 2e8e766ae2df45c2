/**
 * What cube run checks before it boots anything: launch.json is a launch manifest, and the image
 * is the one it describes (size, sha256, 2 MiB units). Each broken artifact has its own code.
 */
import { mkdir, mkdtemp, rm, truncate, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Digest } from '../../src/core/digest.js';
import { buildLaunchManifest } from '../../src/executor/launch/index.js';
import { loadArtifact, locateOutput, PMEM_ALIGNMENT } from '../../src/runner/index.js';
import { codeOf } from '../helpers/diagnostics.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cube-artifact-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const digest = sha256Digest('x');

/** An output directory whose image is `image` and whose launch.json says `claimed` (default: the truth). */
async function output(image: Buffer, claimed: { size?: number; sha256?: string } = {}, env = ['PATH=/bin']): Promise<string> {
  const dir = await mkdtemp(join(work, 'out-'));
  await writeFile(join(dir, 'rootfs.ext4'), image);
  const manifest = buildLaunchManifest({
    producedBy: digest,
    planDigest: digest,
    image: { ref: 'oci-layout:x', digest },
    artifact: { path: 'rootfs.ext4', sha256: claimed.sha256 ?? sha256Digest(image), size: claimed.size ?? image.length, filesystemUuid: '00000000-0000-4000-8000-000000000000' },
    process: { argv: ['/bin/true'], env, cwd: '/', user: { uid: 0, gid: 0, additionalGids: [] } },
    expose: [],
  });
  await writeFile(join(dir, 'launch.json'), JSON.stringify(manifest));
  return dir;
}

const twoMiB = Buffer.alloc(PMEM_ALIGNMENT, 1);

describe('loadArtifact', () => {
  it('accepts an image that matches its manifest', async () => {
    const dir = await output(twoMiB);
    const artifact = await loadArtifact(dir);
    expect(artifact.rootfs).toBe(join(dir, 'rootfs.ext4'));
    expect(artifact.manifest.process.argv).toEqual(['/bin/true']);
  });

  it('refuses a wrong checksum, a wrong size and a size that is not whole 2 MiB units', async () => {
    expect(await codeOf(loadArtifact(await output(twoMiB, { sha256: digest })))).toBe('CUBE4003');
    expect(await codeOf(loadArtifact(await output(twoMiB, { size: 2 * PMEM_ALIGNMENT })))).toBe('CUBE4003');
    expect(await codeOf(loadArtifact(await output(Buffer.alloc(PMEM_ALIGNMENT + 512))))).toBe('CUBE4003');
  });

  it('refuses a missing directory, a missing image, a manifest that is not one, and a bad env entry', async () => {
    expect(await codeOf(loadArtifact(join(work, 'nowhere')))).toBe('CUBE4001');
    const noImage = await output(twoMiB);
    await rm(join(noImage, 'rootfs.ext4'));
    expect(await codeOf(loadArtifact(noImage))).toBe('CUBE4001');
    const notJson = await output(twoMiB);
    await writeFile(join(notJson, 'launch.json'), '{');
    expect(await codeOf(loadArtifact(notJson))).toBe('CUBE4002');
    const wrongShape = await output(twoMiB);
    await writeFile(join(wrongShape, 'launch.json'), '{"schemaVersion": 2}');
    expect(await codeOf(loadArtifact(wrongShape))).toBe('CUBE4002');
    expect(await codeOf(loadArtifact(await output(twoMiB, {}, ['JUST_A_NAME'])))).toBe('CUBE4002');
  });

  it('notices an image cut short after the build', async () => {
    const dir = await output(twoMiB);
    await truncate(join(dir, 'rootfs.ext4'), PMEM_ALIGNMENT / 2);
    expect(await codeOf(loadArtifact(dir))).toBe('CUBE4003');
  });
});

describe('locateOutput', () => {
  it('takes the directory given, else the newest build under .cube/out, else says there is none', async () => {
    const cwd = await mkdtemp(join(work, 'cwd-'));
    expect(await locateOutput(cwd, 'x')).toBe(join(cwd, 'x'));
    expect(await codeOf(locateOutput(cwd, undefined))).toBe('CUBE4001');
    const old = join(cwd, '.cube', 'out', 'old');
    const fresh = join(cwd, '.cube', 'out', 'fresh');
    for (const dir of [old, fresh]) {
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'launch.json'), '{}');
    }
    await utimes(join(old, 'launch.json'), new Date(1e12), new Date(1e12));
    expect(await locateOutput(cwd, undefined)).toBe(fresh);
  });
});
