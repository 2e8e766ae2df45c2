/**
 * The sealed-rootfs cache: a committed entry is found, and every way an entry can go wrong on
 * disk is reported (and rebuilt by the build) rather than used.
 */
import { readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256Digest } from '../../../src/core/digest.js';
import { artifactDir, commitArtifact, lookupArtifact, readCachedLaunch, readFacts, readOrigins, stageArtifact, writeCachedLaunch } from '../../../src/executor/build/artifact-cache.js';
import type { CachedArtifact } from '../../../src/executor/build/artifact-cache.js';
import { buildLaunchManifest } from '../../../src/executor/launch/index.js';
import { FlattenedIndex } from '../../../src/executor/flatten/index.js';
import { expectClean, imageDir, writeImage } from '../../helpers/ext4.js';

const sealId = sha256Digest('a seal node');
const origins = { version: 1 as const, seal: sealId, origins: [{ kind: 'layer' as const, index: 0, node: sha256Digest('a layer node') }], paths: ['/', '/hello'], origin: [-1, 0] };
const tree = () => ({ facts: { accounts: {}, index: new FlattenedIndex() }, origins });
let dir: string;
let cacheDir: string;

beforeEach(async () => {
  dir = await imageDir();
  cacheDir = join(dir, 'cache');
  const staged = await stageArtifact(cacheDir, sealId);
  const ext4 = await writeImage(staged.rootfs, [{ op: 'create', path: '/hello', meta: { type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: { sec: 0, nsec: 0 }, size: 2 }, data: Buffer.from('hi') }]);
  await expectClean(staged.rootfs);
  const sha256 = sha256Digest(await readFile(staged.rootfs));
  await commitArtifact(cacheDir, staged, sealId, { sha256, ext4, ...tree() });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const entry = (name: string): string => join(artifactDir(cacheDir, sealId), name);

describe('the artifact cache', () => {
  it('finds a committed entry, and nothing for another seal node', async () => {
    const found = await lookupArtifact(cacheDir, sealId);
    expect(found.state).toBe('hit');
    expect((await lookupArtifact(cacheDir, sha256Digest('another'))).state).toBe('missing');
  });

  it('reports a truncated image, a lost image and a broken entry.json as corrupt', async () => {
    const size = (await readFile(entry('rootfs.ext4'))).length;
    await truncate(entry('rootfs.ext4'), size - 4096);
    expect(await lookupArtifact(cacheDir, sealId)).toEqual({ state: 'corrupt', reason: `rootfs.ext4 is ${size - 4096} bytes, expected ${size}` });
    await rm(entry('rootfs.ext4'));
    expect(await lookupArtifact(cacheDir, sealId)).toEqual({ state: 'corrupt', reason: 'rootfs.ext4 is missing' });
    await writeFile(entry('entry.json'), '{"version": 2, "sealId": ');
    expect(await lookupArtifact(cacheDir, sealId)).toEqual({ state: 'corrupt', reason: 'entry.json is not valid' });
  });

  it('reports lost facts or origins as corrupt', async () => {
    await rm(entry('origins.json'));
    expect(await lookupArtifact(cacheDir, sealId)).toEqual({ state: 'corrupt', reason: 'origins.json is missing' });
    await rm(entry('facts.json'));
    expect(await lookupArtifact(cacheDir, sealId)).toEqual({ state: 'corrupt', reason: 'facts.json is missing' });
  });

  it('reads origins back, and origins that are not valid or name another seal node read as none', async () => {
    const artifact = ((await lookupArtifact(cacheDir, sealId)) as { artifact: CachedArtifact }).artifact;
    expect(await readOrigins(artifact, sealId)).toEqual(origins);
    expect(await readOrigins(artifact, sha256Digest('another seal node'))).toBeUndefined();
    await writeFile(entry('origins.json'), JSON.stringify({ ...origins, origin: [-1, 1] }));
    expect(await readOrigins(artifact, sealId)).toBeUndefined();
  });

  it('treats an entry in another layout (another version of cube) as missing, not corrupt', async () => {
    const json = JSON.parse(await readFile(entry('entry.json'), 'utf8'));
    await writeFile(entry('entry.json'), JSON.stringify({ ...json, version: 1 }));
    expect(await lookupArtifact(cacheDir, sealId)).toEqual({ state: 'missing' });
  });

  it('reads facts only when asked, and a facts file that is not valid reads as none', async () => {
    const found = await lookupArtifact(cacheDir, sealId);
    const artifact = (found as { artifact: CachedArtifact }).artifact;
    expect(await readFacts(artifact)).toBeDefined();
    await writeFile(entry('facts.json'), '{"version": 2, "paths": [');
    expect((await lookupArtifact(cacheDir, sealId)).state).toBe('hit');
    expect(await readFacts(artifact)).toBeUndefined();
  });

  it('keeps launch manifests by manifest node, and ignores one for another node, another version or broken', async () => {
    const artifact = ((await lookupArtifact(cacheDir, sealId)) as { artifact: CachedArtifact }).artifact;
    const manifestId = sha256Digest('a manifest node');
    const manifest = buildLaunchManifest({
      producedBy: manifestId,
      planDigest: sha256Digest('plan'),
      image: { ref: 'oci-layout:x:v1', digest: sha256Digest('image') },
      artifact: { path: 'rootfs.ext4', sha256: artifact.sha256, size: artifact.ext4.size, filesystemUuid: artifact.ext4.uuid },
      process: { argv: ['/bin/true'], env: [], cwd: '/', user: { uid: 0, gid: 0, additionalGids: [] } },
      expose: [],
    });
    expect(await readCachedLaunch(artifact, manifestId)).toBeUndefined();
    await writeCachedLaunch(artifact, manifestId, manifest);
    expect(await readCachedLaunch(artifact, manifestId)).toEqual(manifest);
    const path = entry(`launch/${manifestId.slice(7)}.json`);
    // Filed under another node's name, from another cube version, or broken: not used.
    await writeCachedLaunch(artifact, sha256Digest('another node'), manifest);
    expect(await readCachedLaunch(artifact, sha256Digest('another node'))).toBeUndefined();
    await writeFile(path, JSON.stringify({ ...manifest, cubeVersion: '0.0.0-other' }));
    expect(await readCachedLaunch(artifact, manifestId)).toBeUndefined();
    await writeFile(path, '{"schemaVersion": 1,');
    expect(await readCachedLaunch(artifact, manifestId)).toBeUndefined();
  });

  it('a second commit of the same image keeps the entry in place; one over a corrupt entry replaces it', async () => {
    const before = await stat(entry('entry.json'));
    const again = await stageArtifact(cacheDir, sealId);
    const ext4 = await writeImage(again.rootfs, [{ op: 'create', path: '/hello', meta: { type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: { sec: 0, nsec: 0 }, size: 2 }, data: Buffer.from('hi') }]);
    const sha256 = sha256Digest(await readFile(again.rootfs));
    const kept = await commitArtifact(cacheDir, again, sealId, { sha256, ext4, ...tree() });
    expect(kept.dir).toBe(artifactDir(cacheDir, sealId));
    expect((await stat(entry('entry.json'))).ino).toBe(before.ino);
    await truncate(entry('rootfs.ext4'), 4096);
    const third = await stageArtifact(cacheDir, sealId);
    await writeImage(third.rootfs, [{ op: 'create', path: '/hello', meta: { type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: { sec: 0, nsec: 0 }, size: 2 }, data: Buffer.from('hi') }]);
    await commitArtifact(cacheDir, third, sealId, { sha256, ext4, ...tree() });
    expect((await lookupArtifact(cacheDir, sealId)).state).toBe('hit');
    await expectClean(entry('rootfs.ext4'));
    expect((await readdir(join(cacheDir, 'artifacts'))).filter((n) => n.startsWith('.'))).toEqual([]);
  });
});
