/**
 * The remote cache and published templates against a real registry with htpasswd auth, behind a
 * recording proxy: one machine (cache directory) exports, another gets the same bytes without a
 * base layer; a corrupt chunk is a warning and a local build; concurrent exports of one node;
 * push and pull round trips; a push killed midway leaves nothing a pull accepts.
 */
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleCli } from '../helpers/cli-process.js';
import { copyExample, exampleEnvd, exampleLayout } from '../helpers/example-images.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import type { FaultProxy } from '../helpers/fault-proxy.js';
import { dockerConfigFor, htpasswdAuth, pushLayout, startRegistry } from '../helpers/registry.js';
import type { Registry, RegistryUser } from '../helpers/registry.js';
import { runCli } from '../helpers/run-cli.js';
import type { CliRun } from '../helpers/run-cli.js';

let registry: Registry;
let proxy: FaultProxy;
let user: RegistryUser;
let work: string;
let env: Record<string, string>;
let layerDigests: string[];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cube-remote-cache-'));
  const auth = await htpasswdAuth(work);
  user = auth.user;
  // Upload locations relative, as behind any proxy: the recording proxy forwards with the registry's own Host.
  registry = await startRegistry(`  relativeurls: true\n${auth.config}`);
  proxy = await startFaultProxy(registry.host);
  await pushLayout(registry.host, 'examples/python', 'python', exampleLayout, user.headers);
  const manifest = (await (await fetch(`http://${registry.host}/v2/examples/python/manifests/python`, { headers: { ...user.headers, accept: 'application/vnd.oci.image.manifest.v1+json' } })).json()) as { layers: { digest: string }[] };
  layerDigests = manifest.layers.map((l) => l.digest);
  env = { DOCKER_CONFIG: await dockerConfigFor(work, proxy.host, user), CUBE_ENVD_PATH: exampleEnvd };
}, 120_000);
afterAll(async () => {
  await proxy.stop();
  await registry.stop();
  await rm(work, { recursive: true, force: true });
});

/** A fresh copy of python-web whose base image comes from the registry, through the proxy. */
async function project(): Promise<string> {
  const dir = await copyExample('python-web', work);
  const cubefile = join(dir, 'Cubefile');
  const text = await readFile(cubefile, 'utf8');
  await writeFile(cubefile, text.replace(/^FROM .*$/m, `FROM ${proxy.host}/examples/python:python`));
  return dir;
}

/** `cube build` on one "machine": its own cache directory and output. */
async function build(dir: string, machine: string, extra: readonly string[]): Promise<CliRun & { out: string; metadata: Record<string, unknown> }> {
  const out = join(work, `out-${machine}`);
  const metadataFile = join(work, `metadata-${machine}.json`);
  const run = await runCli(['build', '--cache-dir', join(work, `cache-${machine}`), '-o', out, '--metadata-file', metadataFile, ...extra], { cwd: dir, env });
  const metadata = run.code === 0 ? (JSON.parse(await readFile(metadataFile, 'utf8')) as Record<string, unknown>) : {};
  return { ...run, out, metadata };
}

async function expectSameOutputs(a: string, b: string): Promise<void> {
  for (const file of ['rootfs.ext4', 'launch.json', 'plan.json']) expect(Buffer.compare(await readFile(join(a, file)), await readFile(join(b, file))), file).toBe(0);
}

async function expectClean(image: string): Promise<void> {
  const fsck = await execa('e2fsck', ['-fn', image], { reject: false });
  expect(fsck.exitCode, fsck.stdout).toBe(0);
}

function expectNoSecret(...runs: CliRun[]): void {
  for (const run of runs) {
    for (const secret of [user.password, user.headers.authorization as string, (user.headers.authorization as string).slice('Basic '.length)]) {
      expect(run.stdout + run.stderr).not.toContain(secret);
    }
  }
}

const cacheRef = (repo: string): string => `${proxy.host}/team/${repo}`;

describe('the remote cache', () => {
  let a: Awaited<ReturnType<typeof build>>;

  it('machine B gets machine A\'s exported rootfs byte for byte, without fetching a base layer', async () => {
    a = await build(await project(), 'a', ['--cache-to', cacheRef('cache')]);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stderr).toContain(`to ${cacheRef('cache')}`);
    await expectClean(join(a.out, 'rootfs.ext4'));
    proxy.seen.length = 0;
    const b = await build(await project(), 'b', ['--cache-from', `type=registry,ref=${cacheRef('cache')}`, '--explain']);
    expect(b.code, b.stderr).toBe(0);
    expect(b.metadata['cube.cache']).toEqual({ rootfs: 'remote', launch: 'miss' });
    await expectSameOutputs(a.out, b.out);
    await expectClean(join(b.out, 'rootfs.ext4'));
    const layerRequests = proxy.seen.filter((r) => layerDigests.some((digest) => r.path.includes(digest)));
    expect(layerRequests).toEqual([]);
    const sealId = (JSON.parse(await readFile(join(b.out, 'plan.json'), 'utf8')) as { roots: { seal: string } }).roots.seal;
    expect(b.stdout).toContain(`seal ${sealId.slice(7, 19)} from ${cacheRef('cache')}`);
    // Written into B's cache as A's build wrote it: a rebuild on B is a local hit.
    const again = await build(await project(), 'b', []);
    expect(again.metadata['cube.cache']).toEqual({ rootfs: 'hit', launch: 'hit' });
    expectNoSecret(a, b);
  }, 180_000);

  it('a miss is explained, and cube diff --against the remote cache says what changed', async () => {
    const dir = await project();
    await writeFile(join(dir, 'app', 'extra.txt'), 'changed\n');
    const miss = await build(dir, 'c', ['--cache-from', cacheRef('cache'), '--explain']);
    expect(miss.code, miss.stderr).toBe(0);
    expect(miss.stdout).toContain(`not in the remote cache ${cacheRef('cache')} either`);
    expect(miss.metadata['cube.cache']).toEqual({ rootfs: 'miss', launch: 'miss' });
    const diff = await runCli(['diff', '--against', cacheRef('cache'), join(miss.out, 'plan.json'), '--name', 'python-web'], { cwd: dir, env });
    expect(diff.code, diff.stderr).toBe(0);
    expect(diff.stdout).toContain('[extra.txt]');
    const none = await runCli(['diff', '--against', `${cacheRef('cache')}:latest-nothing`, join(miss.out, 'plan.json')], { cwd: dir, env });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('CUBE3112');
  }, 180_000);

  it('two machines exporting one node at once both succeed, and the entry serves a third', async () => {
    const [d, e] = await Promise.all([build(await project(), 'd', ['--cache-to', cacheRef('shared')]), build(await project(), 'e', ['--cache-to', cacheRef('shared')])]);
    for (const run of [d, e]) {
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).not.toContain('CUBE3115');
    }
    const f = await build(await project(), 'f', ['--cache-from', cacheRef('shared')]);
    expect(f.metadata['cube.cache']).toEqual({ rootfs: 'remote', launch: 'miss' });
    await expectSameOutputs(a.out, f.out);
  }, 240_000);

  it('an export that cannot be written is a warning, and the build succeeds', async () => {
    // The same registry by another name, for which no credentials are configured: pushing is refused.
    const run = await build(await project(), 'g', ['--cache-to', `localhost:${proxy.host.split(':')[1]}/team/cache`]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('warning CUBE3115');
  }, 180_000);
});

describe('cube push and cube pull', () => {
  it('round-trips an output directory by tag and by digest, verified, and refuses what is not a template', async () => {
    const outA = join(work, 'out-a');
    const pushed = await runCli(['push', outA, `${cacheRef('templates')}:v1`, '--cache-dir', join(work, 'cache-push')], { cwd: work, env });
    expect(pushed.code, pushed.stderr).toBe(0);
    const digest = pushed.stdout.trim();
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const byTag = await runCli(['pull', `${cacheRef('templates')}:v1`, join(work, 'pulled'), '--cache-dir', join(work, 'cache-pull')], { cwd: work, env });
    expect(byTag.code, byTag.stderr).toBe(0);
    expect(byTag.stdout.trim()).toBe(digest);
    await expectSameOutputs(outA, join(work, 'pulled'));
    const byDigest = await runCli(['pull', `${cacheRef('templates')}@${digest}`, join(work, 'pulled'), '--cache-dir', join(work, 'cache-pull')], { cwd: work, env });
    expect(byDigest.code, byDigest.stderr).toBe(0);
    await expectSameOutputs(outA, join(work, 'pulled'));
    await expectClean(join(work, 'pulled', 'rootfs.ext4'));
    const sealId = (JSON.parse(await readFile(join(outA, 'plan.json'), 'utf8')) as { roots: { seal: string } }).roots.seal;
    const wrongKind = await runCli(['pull', `${cacheRef('cache')}:seal-${sealId.slice(7)}`, join(work, 'pulled'), '--cache-dir', join(work, 'cache-pull')], { cwd: work, env });
    expect(wrongKind.code).toBe(3);
    expect(wrongKind.stderr).toContain('CUBE3114');
    await expectSameOutputs(outA, join(work, 'pulled'));
    expectNoSecret(pushed, byTag, byDigest, wrongKind);
  }, 120_000);

  it('a push killed midway leaves nothing that a pull accepts', async () => {
    const cube = await bundleCli(join(work, 'bundle'));
    proxy.faults.push({ match: /\/v2\/team\/killed\/blobs\/uploads\/.+/, hang: true });
    const child = execa('node', [cube, 'push', join(work, 'out-a'), `${cacheRef('killed')}:v1`, '--cache-dir', join(work, 'cache-killed')], { env: { ...process.env, ...env }, reject: false });
    for (let i = 0; i < 600 && !proxy.seen.some((r) => r.method === 'PUT' && r.path.startsWith('/v2/team/killed/blobs/uploads/')); i++) await new Promise((r) => setTimeout(r, 50));
    process.kill(child.pid as number, 'SIGKILL');
    const killed = await child;
    expect(killed.signal).toBe('SIGKILL');
    const pulled = await runCli(['pull', `${cacheRef('killed')}:v1`, join(work, 'pulled-killed'), '--cache-dir', join(work, 'cache-pull')], { cwd: work, env });
    expect(pulled.code).toBe(1);
    expect(pulled.stderr).toContain('CUBE3112');
    expect(await stat(join(work, 'pulled-killed')).catch(() => undefined)).toBeUndefined();
    expect((await readdir(work)).filter((name) => name.startsWith('.'))).toEqual([]);
  }, 180_000);
});

describe('a corrupt remote cache entry', () => {
  it('is detected, reported as a warning, and the rootfs is sealed locally', async () => {
    const manifest = (await (await fetch(`http://${registry.host}/v2/team/cache/manifests/${await sealTagOf(join(work, 'out-a'))}`, { headers: { ...user.headers, accept: 'application/vnd.oci.image.manifest.v1+json' } })).json()) as {
      layers: { mediaType: string; digest: string }[];
    };
    const chunk = manifest.layers.find((l) => l.mediaType === 'application/vnd.cube.rootfs.chunk.v1+zstd')?.digest as string;
    const data = join(registry.storage, 'docker', 'registry', 'v2', 'blobs', 'sha256', chunk.slice(7, 9), chunk.slice(7), 'data');
    const bytes = await readFile(data);
    bytes[100] = (bytes[100] as number) ^ 0xff;
    await writeFile(data, bytes);
    const run = await build(await project(), 'h', ['--cache-from', cacheRef('cache')]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('warning CUBE3116');
    expect(run.metadata['cube.cache']).toEqual({ rootfs: 'miss', launch: 'miss' });
    await expectSameOutputs(join(work, 'out-a'), run.out);
    await expectClean(join(run.out, 'rootfs.ext4'));
  }, 180_000);
});

async function sealTagOf(out: string): Promise<string> {
  const plan = JSON.parse(await readFile(join(out, 'plan.json'), 'utf8')) as { roots: { seal: string } };
  return `seal-${plan.roots.seal.slice(7)}`;
}
