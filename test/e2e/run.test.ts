/**
 * `cube run` for real: qemu, the host's kernel and busybox (CI installs qemu-system-x86,
 * linux-image-amd64 and busybox-static), the examples built from temporary copies. Every example
 * boots in both disk modes and becomes ready; the workload's own port answers through the
 * forwarded port; a signal to cube (SIGTERM, or SIGKILL where no handler runs) leaves no qemu
 * behind; a broken image is refused and a workload that exits at once fails, both saying why.
 * Boots are serial: they are all in this one file.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleCli } from '../helpers/cli-process.js';
import { copyExample, EXAMPLES, exampleEnvd } from '../helpers/example-images.js';
import { runCli } from '../helpers/run-cli.js';

/** A boot under TCG on a busy two-core machine takes 10–20 s; this is the bound, not the expectation. */
const TIMEOUT_S = 60;
const BOOT_TEST_MS = (TIMEOUT_S + 40) * 1000;

let work: string;
let cacheDir: string;
let cube: string;
const started: ChildProcess[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cube-run-e2e-'));
  cacheDir = join(work, 'cache');
  for (const name of EXAMPLES) {
    const built = await build(await copyExample(name, work), name);
    expect(built.code, built.stderr).toBe(0);
  }
  cube = await bundleCli(work);
}, 300_000);
afterAll(async () => {
  for (const child of started) child.kill('SIGKILL');
  await rm(work, { recursive: true, force: true });
});

function out(name: string): string {
  return join(work, 'out', name);
}

/** `cube build` of the project in `dir` into `out(name)`. */
function build(dir: string, name: string) {
  return runCli(['build', dir, '--envd-path', exampleEnvd, '--cache-dir', cacheDir, '--out', out(name)], { cwd: work });
}

/** `cube run --check` in-process, its console in the work directory. */
function check(dir: string, ...extra: string[]) {
  return runCli(['run', '--check', '--timeout', String(TIMEOUT_S), '--console', join(dir, `console${extra.join('')}.log`), ...extra, dir], { cwd: work, env: process.env });
}

/** The pids of qemu processes whose command line names `path`. */
async function qemuUsing(path: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const argv = (await readFile(join('/proc', entry, 'cmdline'), 'utf8').catch(() => '')).split('\0');
    if (/(^|\/)qemu-system-[^/]*$/.test(argv[0] ?? '') && argv.some((arg) => arg.includes(path))) pids.push(Number(entry));
  }
  return pids;
}

/** Polls `condition` every 200 ms, up to `limitMs`; returns whether it held. */
async function eventually(condition: () => Promise<boolean>, limitMs: number): Promise<boolean> {
  for (let waited = 0; waited < limitMs; waited += 200) {
    if (await condition()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return condition();
}

/** Starts `cube run OUT` (no --check) as a process and resolves with its stdout once it says it is ready. */
async function startRun(dir: string, ...extra: string[]): Promise<{ child: ChildProcess; stdout: string }> {
  const child = spawn('node', [cube, 'run', '--timeout', String(TIMEOUT_S), ...extra, dir], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (/ready in /.test(stdout)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`cube run exited with ${code} before it was ready:\n${stdout}\n${stderr}`)));
  });
  return { child, stdout };
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('cube run --check', () => {
  for (const name of EXAMPLES) {
    for (const disk of ['pmem', 'blk']) {
      it(`boots ${name} with the rootfs on virtio-${disk} and becomes ready`, async () => {
        const run = await check(out(name), '--disk', disk);
        expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
        expect(run.stdout).toMatch(/^ready in \d+\.\d s$/m);
        expect(run.stderr).toMatch(/booting with (KVM|TCG \(slower\): .+)/);
      }, BOOT_TEST_MS);
    }
  }

  it('refuses an image whose checksum does not match launch.json, before booting', async () => {
    const image = join(out('byo-envd'), 'rootfs.ext4');
    const original = await readFile(image);
    const handle = await open(image, 'r+');
    await handle.write(Buffer.from([(original[4096] ?? 0) ^ 0xff]), 0, 1, 4096);
    await handle.close();
    try {
      const run = await check(out('byo-envd'));
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/error CUBE4003: .*rootfs\.ext4 has sha256 sha256:[0-9a-f]{64}, and launch\.json says/);
      expect(run.stdout).not.toMatch(/forwarded ports/);
    } finally {
      await writeFile(image, original);
    }
  });

  it('refuses an --initrd it cannot read before writing or booting anything', async () => {
    const run = await check(out('byo-envd'), '--initrd', 'no-such-initrd');
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/error CUBE4102: --initrd .*no-such-initrd: no readable file there \(ENOENT\)/);
    expect(run.stderr).toContain('leave --initrd out');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('fails with the exit status and the console when the workload exits at once', async () => {
    const project = join(dirname(await copyExample('byo-envd', work)), 'exits');
    await mkdir(project);
    await writeFile(join(project, 'Cubefile'), 'FROM oci-layout:../images/oci:base\nINJECT envd\nCMD ["sh", "-c", "echo giving up; exit 3"]\nENTRYPOINT wrap\nSEAL ext4 FREE 8MiB\n');
    const built = await build(project, 'exits');
    expect(built.code, built.stderr).toBe(0);
    const run = await check(out('exits'));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/error CUBE4005: the process exited with status 3 before the sandbox was ready/);
    expect(run.stderr).toMatch(/\| giving up/);
  }, BOOT_TEST_MS);
});

describe('cube run', () => {
  it('forwards the workload port (with a scratch disk as upper layer), and SIGTERM stops cube and qemu', async () => {
    const dir = out('node-app');
    const { child, stdout } = await startRun(dir, '--scratch', '64MiB');
    const port = /127\.0\.0\.1:(\d+) -> 3000\/tcp/.exec(stdout)?.[1];
    expect(port, stdout).toBeDefined();
    let body = '';
    const answered = await eventually(async () => {
      const reply = await promisify(execFile)('busybox', ['wget', '-q', '-O', '-', `http://127.0.0.1:${port}/hello`]).catch(() => undefined);
      body = reply?.stdout ?? '';
      return body !== '';
    }, 30_000);
    expect(answered).toBe(true);
    expect(JSON.parse(body)).toEqual({ hello: 'from cube', url: '/hello' });
    const qemu = await qemuUsing(dir);
    expect(qemu).toHaveLength(1);
    child.kill('SIGTERM');
    expect(await exitOf(child)).toBe(0);
    expect(await qemuUsing(dir)).toEqual([]);
  }, BOOT_TEST_MS);

  it('leaves no qemu behind when cube is killed outright', async () => {
    const dir = out('byo-envd');
    const { child } = await startRun(dir, '--disk', 'blk');
    expect(await qemuUsing(dir)).toHaveLength(1);
    child.kill('SIGKILL');
    await exitOf(child);
    expect(await eventually(async () => (await qemuUsing(dir)).length === 0, 15_000)).toBe(true);
  }, BOOT_TEST_MS);
});
