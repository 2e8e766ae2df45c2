/**
 * `cube build` end to end on the example images: real layers, the real ext4 writer, e2fsck on
 * every artifact, the cache, and (as root) the wrapped process run for real from the image.
 */
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchManifestSchema, READINESS_TIMING } from '../../src/executor/launch/index.js';
import { copyExample, EXAMPLES, exampleEnvd, exampleLayout } from '../helpers/example-images.js';
import { runCli } from '../helpers/run-cli.js';
import { runWrapped } from '../helpers/run-wrapped.js';

const isRoot = process.getuid?.() === 0;
let work: string;
let cacheDir: string;

const APP = `import json, os, sys, time
for _ in range(500):
    if os.path.exists('/tmp/envd-started'):
        break
    time.sleep(0.01)
with open('/tmp/result.json', 'w') as f:
    json.dump({'argv': sys.argv, 'pid': os.getpid(), 'cwd': os.getcwd(), 'greeting': os.environ.get('GREETING'),
               'envd': os.path.exists('/tmp/envd-started'), 'uid': os.getuid(), 'gid': os.getgid(),
               'groups': os.getgroups(), 'home': os.environ.get('HOME')}, f)
`;

function cubefile(cmd: string, user = ''): string {
  return `# an app that records how it was started
FROM oci-layout:${exampleLayout}:python
INJECT envd TO /opt/envd/bin/envd PORT 49990 ARGS "-report /tmp/envd-started"
COPY app.py /app/
WORKDIR /app
ENV GREETING="hello world"
EXPOSE 8080
${user ? `USER ${user}\n` : ''}CMD ${cmd}
ENTRYPOINT wrap
SEAL ext4 FREE 8MiB
`;
}

const ARGV_CMD = String.raw`["python3", "/app/app.py", "a b", "$HOME", "", "quote\"s", "tab\there"]`;

async function project(name: string, cmd = ARGV_CMD, user = ''): Promise<string> {
  const dir = join(work, name);
  await execa('mkdir', ['-p', dir]);
  await writeFile(join(dir, 'Cubefile'), cubefile(cmd, user));
  await writeFile(join(dir, 'app.py'), APP);
  return dir;
}

async function build(dir: string, extra: string[] = [], cache = cacheDir) {
  return runCli(['build', '--envd-path', exampleEnvd, '--cache-dir', cache, '--out', join(dir, 'out'), '--log-format', 'json', ...extra], {
    cwd: dir,
    env: { SOURCE_DATE_EPOCH: '1700000000' },
  });
}

/** The `explain` records of a JSON log, by node key. */
function explainRecords(stderr: string): Map<string, Record<string, unknown>> {
  const records = stderr.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  return new Map(records.filter((r) => r.event === 'explain').map((r) => [r.key as string, r]));
}

async function e2fsck(image: string): Promise<void> {
  const result = await execa('e2fsck', ['-fn', image], { reject: false });
  expect(result.exitCode, `${result.stdout}\n${result.stderr}`).toBe(0);
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cube-e2e-'));
  cacheDir = join(work, 'cache');
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('cube build', () => {
  it('writes a clean ext4 image, a valid launch manifest and the plan', async () => {
    const dir = await project('first');
    const run = await build(dir);
    expect(run.stderr).toContain('envd baked into rootfs at /opt/envd/bin/envd');
    // --log-format json: every line is a JSON record, progress included.
    const records = run.stderr.trim().split('\n').map((line) => JSON.parse(line) as { msg: string });
    expect(records.some((r) => r.msg === 'writing rootfs: done')).toBe(true);
    expect(run.stderr).toContain('entrypoint wrapped');
    expect(run.code, run.stderr).toBe(0);
    const out = join(dir, 'out');
    await e2fsck(join(out, 'rootfs.ext4'));
    const manifest = launchManifestSchema.parse(JSON.parse(await readFile(join(out, 'launch.json'), 'utf8')));
    expect(manifest.process.argv.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(manifest.process.argv.slice(4)).toEqual(['python3', '/app/app.py', 'a b', '$HOME', '', 'quote"s', 'tab\there']);
    expect(manifest.process.argv[2]).toContain('/opt/envd/bin/envd');
    expect(manifest.process.cwd).toBe('/app');
    expect(manifest.process.env).toContain('GREETING=hello world');
    expect(manifest.exposedPorts).toEqual([{ port: 8080, protocol: 'tcp' }, { port: 49990, protocol: 'tcp' }]);
    expect(manifest.readiness).toEqual({ method: 'GET', port: 49990, path: '/health', expectStatus: 204, ...READINESS_TIMING });
    expect(manifest.process.env).toContain('HOME=/root');
    expect(manifest.wrapped?.envd.argv).toEqual(['/opt/envd/bin/envd', '-port', '49990', '-isnotfc', '-report', '/tmp/envd-started']);
    // envd lies off the image's PATH here: the platform's `envd -version` probe would miss it.
    expect(records.some((r) => (r as { code?: string }).code === 'CUBE2021')).toBe(true);
    const envdBytes = await readFile(exampleEnvd);
    const { createHash } = await import('node:crypto');
    expect(manifest.envd?.sha256).toBe(`sha256:${createHash('sha256').update(envdBytes).digest('hex')}`);
    const image = await readFile(join(out, 'rootfs.ext4'));
    expect(manifest.artifact.sha256).toBe(`sha256:${createHash('sha256').update(image).digest('hex')}`);
    expect(manifest.artifact.size % (2 * 1024 * 1024)).toBe(0);
    const plan = JSON.parse(await readFile(join(out, 'plan.json'), 'utf8')) as { roots: { manifest: string } };
    expect(manifest.producedBy).toBe(plan.roots.manifest);
    const listing = await execa('debugfs', ['-R', 'stat /opt/envd/bin/envd', join(out, 'rootfs.ext4')]);
    expect(listing.stdout).toMatch(/Mode:\s+0755/);
  });

  it('reuses the cached rootfs, and a CMD-only change rewrites only launch.json', async () => {
    const dir = await project('second');
    expect((await build(dir)).code).toBe(0);
    const first = await readFile(join(dir, 'out', 'launch.json'), 'utf8');
    const before = await stat(join(dir, 'out', 'rootfs.ext4'));
    const again = await build(dir);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('found in the cache');
    // The output already is the cached image: it is not copied again.
    expect((await stat(join(dir, 'out', 'rootfs.ext4'))).ino).toBe(before.ino);
    await writeFile(join(dir, 'Cubefile'), cubefile('["python3", "/app/app.py", "changed"]'));
    const changed = await build(dir, ['--explain']);
    expect(changed.code, changed.stderr).toBe(0);
    // --explain with --log-format json: one `explain` record per node on stderr. The seal and
    // everything below it are cached; the launch config runs because CMD changed, cited at its line.
    const rows = explainRecords(changed.stderr);
    expect(rows.get('seal')).toMatchObject({ reason: 'cached', kind: 'seal', instruction: 'SEAL ext4 FREE 8MiB' });
    expect(rows.get('image')).toMatchObject({ reason: 'cached' });
    expect(rows.get('launch-config')).toMatchObject({ reason: 'own-fields', location: 'Cubefile:8:1', fields: [{ field: 'cmd.argv', new: ['python3', '/app/app.py', 'changed'], location: 'Cubefile:8:1' }] });
    expect(rows.get('manifest')).toMatchObject({ reason: 'inputs', inputs: ['launch-config'] });
    expect(changed.stdout).toBe('');
    expect(changed.stderr).toContain('found in the cache');
    const second = await readFile(join(dir, 'out', 'launch.json'), 'utf8');
    expect(JSON.parse(second).artifact).toEqual(JSON.parse(first).artifact);
    expect(JSON.parse(second).process.argv.at(-1)).toBe('changed');
    // Back to the first CMD: its launch manifest is kept with the image, so nothing runs. As a
    // table (human logs), on stdout.
    await writeFile(join(dir, 'Cubefile'), cubefile(ARGV_CMD));
    const back = await build(dir, ['--explain', '--log-format', 'human']);
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout).toMatch(/^cached {2}launch-config {2}[0-9a-f]{12} {2}Cubefile:8:1 {2}CMD \["python3"/m);
    expect(back.stdout).toMatch(/^cached {2}manifest {7}[0-9a-f]{12} {2}launch\.json$/m);
    expect(await readFile(join(dir, 'out', 'launch.json'), 'utf8')).toBe(first);
  });

  it('-q prints the artifact digest alone; --metadata-file records the digests, outputs and cache hits', async () => {
    const dir = await project('metadata');
    const cache = join(work, 'cache-metadata');
    const quiet = (extra: string[]) =>
      runCli(['build', '-q', '--envd-path', exampleEnvd, '--cache-dir', cache, '--out', join(dir, 'out'), '--metadata-file', 'meta.json', ...extra], { cwd: dir, env: { SOURCE_DATE_EPOCH: '1700000000' } });
    const cold = await quiet([]);
    expect(cold.code, cold.stderr).toBe(0);
    const manifest = JSON.parse(await readFile(join(dir, 'out', 'launch.json'), 'utf8'));
    expect(cold.stdout).toBe(`${manifest.artifact.sha256}\n`);
    // Quiet: warnings stay (envd off PATH), progress and info lines go.
    expect(cold.stderr).toContain('CUBE2021');
    expect(cold.stderr).not.toContain('INFO');
    expect(cold.stderr).not.toContain('writing rootfs');
    const { createHash } = await import('node:crypto');
    const launchDigest = `sha256:${createHash('sha256').update(await readFile(join(dir, 'out', 'launch.json'))).digest('hex')}`;
    expect(JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8'))).toEqual({
      'cube.artifact.digest': manifest.artifact.sha256,
      'cube.artifact.size': manifest.artifact.size,
      'cube.plan.digest': manifest.planDigest,
      'cube.launch.digest': launchDigest,
      'cube.outputs': { rootfs: join(dir, 'out', 'rootfs.ext4'), launch: join(dir, 'out', 'launch.json'), plan: join(dir, 'out', 'plan.json'), origins: join(dir, 'out', 'origins.json') },
      'cube.cache': { rootfs: 'miss', launch: 'miss' },
      'cube.version': manifest.cubeVersion,
    });
    const warm = await quiet(['--explain']);
    expect(warm.code, warm.stderr).toBe(0);
    // With -q the explanation goes to stderr: stdout holds the digest alone.
    expect(warm.stdout).toBe(`${manifest.artifact.sha256}\n`);
    expect(warm.stderr).toMatch(/^cached {2}seal /m);
    expect(JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8'))['cube.cache']).toEqual({ rootfs: 'hit', launch: 'hit' });
    const blocked = await quiet(['--metadata-file', join(dir, 'app.py', 'meta.json')]);
    expect(blocked.code).toBe(3);
    expect(blocked.stderr).toContain('CUBE0004');
    expect(blocked.stderr).toContain('hint:');
  });

  it('prints each task and step with its duration in plain mode, and bars with rate and ETA when asked', async () => {
    const dir = await project('plain');
    await writeFile(join(dir, 'app.py'), `${APP}# plain\n`);
    const run = (extra: string[]) =>
      runCli(['build', '--envd-path', exampleEnvd, '--cache-dir', join(work, 'cache-plain'), '--out', join(dir, 'out'), ...extra], { cwd: dir, env: { SOURCE_DATE_EPOCH: '1700000000', CI: 'true' } });
    const plain = await run(['--no-cache']);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stderr).toMatch(/^writing rootfs: done, [\d.]+ MiB in [\d.]+ m?s \([\d.]+ [KMG]?i?B\/s\)$/m);
    expect(plain.stderr).toMatch(/^INFO: planned 10 nodes \(\d+ ms\)$/m);
    expect(plain.stderr).toMatch(/^INFO: sealed ext4 rootfs \([\d.]+ MiB\)$/m);
    expect(plain.stderr).not.toContain('\x1b[');
    const bars = await run(['--no-cache', '--progress', 'tty']);
    expect(bars.code, bars.stderr).toBe(0);
    expect(bars.stderr).toMatch(/\x1b\[2Kwriting rootfs done: [\d.]+ MiB in [\d.]+ m?s/);
  });

  it('seals again when a cached image has unreadable facts and its launch must be computed', async () => {
    const dir = await project('facts');
    await writeFile(join(dir, 'app.py'), `${APP}# facts\n`);
    expect((await build(dir)).code).toBe(0);
    const plan = JSON.parse(await readFile(join(dir, 'out', 'plan.json'), 'utf8')) as { roots: { seal: string } };
    await writeFile(join(cacheDir, 'artifacts', plan.roots.seal.slice(7), 'facts.json'), 'not json');
    await writeFile(join(dir, 'Cubefile'), cubefile('["python3", "/app/app.py", "other"]'));
    const run = await build(dir);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('cached rootfs is corrupt (facts.json is not valid); rebuilding');
    // The entry was replaced: its facts read again, so the next launch change does not reseal.
    JSON.parse(await readFile(join(cacheDir, 'artifacts', plan.roots.seal.slice(7), 'facts.json'), 'utf8'));
    await e2fsck(join(dir, 'out', 'rootfs.ext4'));
    expect(JSON.parse(await readFile(join(dir, 'out', 'launch.json'), 'utf8')).process.argv.at(-1)).toBe('other');
    await writeFile(join(dir, 'Cubefile'), cubefile('["python3", "/app/app.py", "third"]'));
    const third = await build(dir);
    expect(third.code, third.stderr).toBe(0);
    expect(third.stderr).toContain('found in the cache');
  });

  it('is reproducible: two cold builds give byte-identical images', async () => {
    const dir = await project('repro');
    const a = await build(dir, ['--out', join(dir, 'a')], join(work, 'cache-a'));
    const b = await build(dir, ['--out', join(dir, 'b')], join(work, 'cache-b'));
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const [x, y] = await Promise.all([readFile(join(dir, 'a', 'rootfs.ext4')), readFile(join(dir, 'b', 'rootfs.ext4'))]);
    expect(x.equals(y)).toBe(true);
  });

  it('rejects a workload that does not resolve in the image, naming the CMD line, before sealing anything', async () => {
    const dir = await project('missing', '["no-such-program"]');
    // Its own app file makes its own seal node: nothing in the cache could stand in for a seal.
    await writeFile(join(dir, 'app.py'), `${APP}# missing\n`);
    const run = await build(dir);
    expect(run.stderr).not.toContain('sealed ext4 rootfs');
    expect(run.stderr).not.toContain('flattened');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('CUBE3211');
    expect(run.stderr).toContain('no-such-program');
    expect(run.stderr).not.toMatch(/\n\s+at /);
    // With --log-format json the diagnostic is a record too, with its position in the Cubefile.
    const records = run.stderr.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.at(-1)).toMatchObject({ level: 'error', event: 'diagnostic', code: 'CUBE3211', severity: 'error', file: 'Cubefile', line: 8 });
    // Nothing reaches the output directory.
    expect(await readdir(join(dir, 'out')).catch(() => [])).toEqual([]);
  });

  it('keeps a sealed image in the cache when the output directory cannot be written', async () => {
    const dir = await project('unwritable');
    const cache = join(work, 'cache-unwritable');
    await writeFile(join(dir, 'blocker'), 'a file where the output directory should go');
    const blocked = await runCli(['build', '--envd-path', exampleEnvd, '--cache-dir', cache, '--out', join(dir, 'blocker', 'out')], {
      cwd: dir,
      env: { SOURCE_DATE_EPOCH: '1700000000' },
    });
    expect(blocked.code, blocked.stderr).toBe(3);
    expect(blocked.stderr).toContain('CUBE3230');
    expect(blocked.stderr).not.toMatch(/\n\s+at /);
    const again = await build(dir, [], cache);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('found in the cache');
    await e2fsck(join(dir, 'out', 'rootfs.ext4'));
  });

  it.runIf(isRoot).each([
    ['root (no USER)', '', { uid: 0, gid: 0, groups: [], home: '/root' }],
    ['USER app', 'app', { uid: 1000, gid: 1000, groups: [], home: '/home/app' }],
  ])('runs the wrapped process from the loop-mounted image as %s: envd as root with its flags, the workload as USER with its exact argv (needs root)', async (_name, user, want) => {
    const dir = await project(`run-${user || 'root'}`, ARGV_CMD, user);
    expect((await build(dir)).code).toBe(0);
    await runWrapped(join(dir, 'out'), dir, async (root, result, manifest) => {
      expect(result.exitCode, String(result.stderr)).toBe(0);
      const got = JSON.parse(await readFile(join(root, 'tmp', 'result.json'), 'utf8'));
      expect(got.argv).toEqual(['/app/app.py', 'a b', '$HOME', '', 'quote"s', 'tab\there']);
      expect(got.pid).toBe(1);
      expect(got.cwd).toBe('/app');
      expect(got.greeting).toBe('hello world');
      expect(got.envd).toBe(true);
      expect({ uid: got.uid, gid: got.gid, groups: got.groups, home: got.home }).toEqual(want);
      expect(manifest.wrapped?.workload.user).toEqual({ uid: want.uid, gid: want.gid, additionalGids: [] });
      const envd = await readFile(join(root, 'tmp', 'envd-started'), 'utf8');
      expect(envd).toBe('envd uid=0 gid=0 argv=</opt/envd/bin/envd> <-port> <49990> <-isnotfc> <-report> </tmp/envd-started>\n');
    });
  });
});

describe('cube build on the examples', () => {
  for (const example of EXAMPLES) {
    it(`builds examples/${example} cleanly`, async () => {
      const dir = join(work, `example-${example}`);
      const project = await copyExample(example, work);
      const run = await runCli(['build', project, '--envd-path', exampleEnvd, '--cache-dir', cacheDir, '--out', join(dir, 'out')], { cwd: work });
      expect(run.code, run.stderr).toBe(0);
      await e2fsck(join(dir, 'out', 'rootfs.ext4'));
    });
  }
});
