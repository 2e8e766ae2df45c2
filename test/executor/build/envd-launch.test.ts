/**
 * How envd and the workload start, decided when the image is known: a dynamically linked envd
 * needs its loader in the image; envd injected without ENTRYPOINT wrap gets no readiness probe;
 * a workload that runs as another user than envd needs exec-as for the image's architecture.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchManifestSchema } from '../../../src/executor/launch/index.js';
import { elfWith } from '../../helpers/elf.js';
import { buildTar } from '../../helpers/layers.js';
import { putImage, putIndex, tagged } from '../../helpers/oci-layout.js';
import { runCli } from '../../helpers/run-cli.js';

const LOADER = '/lib/ld-musl-x86_64.so.1';
const ACCOUNTS = [
  { name: 'etc/passwd', content: 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n' },
  { name: 'etc/group', content: 'root:x:0:\napp:x:1000:\n' },
];
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cube-envd-launch-'));
  const layout = join(dir, 'layout');
  const sh = { name: 'bin/sh', content: '#!', mode: 0o755 };
  const bare = await putImage(layout, [{ tar: await buildTar([sh, ...ACCOUNTS]) }], { Env: ['PATH=/usr/local/bin:/bin'] });
  const withLoader = await putImage(layout, [{ tar: await buildTar([sh, ...ACCOUNTS, { name: LOADER.slice(1), content: 'ELF', mode: 0o755 }]) }], { Env: ['PATH=/usr/local/bin:/bin'] });
  const riscv = await putImage(layout, [{ tar: await buildTar([sh, ...ACCOUNTS]) }], { Env: ['PATH=/usr/local/bin:/bin'] }, { os: 'linux', architecture: 'riscv64' });
  await putIndex(layout, [
    { ...bare, ...tagged('bare') },
    { ...withLoader, ...tagged('loader') },
    { ...riscv, ...tagged('riscv') },
  ]);
  await writeFile(join(dir, 'dynamic-envd'), elfWith('envd', 'amd64', LOADER), { mode: 0o755 });
  await writeFile(join(dir, 'envd'), elfWith('envd'), { mode: 0o755 });
  await writeFile(join(dir, 'riscv-envd'), elfWith('envd', 'riscv64'), { mode: 0o755 });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function build(name: string, cubefile: string) {
  await writeFile(join(dir, name), cubefile);
  const run = await runCli(['build', '-f', name, '--cache-dir', join(dir, 'cache'), '--out', `out-${name}`], { cwd: dir });
  const manifest = run.code === 0 ? launchManifestSchema.parse(JSON.parse(await readFile(join(dir, `out-${name}`, 'launch.json'), 'utf8'))) : undefined;
  return { ...run, manifest };
}

describe('envd and the workload at launch', () => {
  it('a dynamically linked envd needs its loader in the image', async () => {
    const missing = await build('Missing', 'FROM --platform=linux/amd64 oci-layout:layout:bare\nINJECT envd PATH dynamic-envd\nCMD ["/bin/sh"]\nENTRYPOINT wrap\n');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`Missing:2:1: error CUBE3231: envd is dynamically linked with ${LOADER}, which the image does not have`);
    const present = await build('Present', 'FROM --platform=linux/amd64 oci-layout:layout:loader\nINJECT envd PATH dynamic-envd\nCMD ["/bin/sh"]\nENTRYPOINT wrap\n');
    expect(present.code, present.stderr).toBe(0);
  });

  it('envd without ENTRYPOINT wrap: a warning, no readiness probe, and the platform starts the process as USER', async () => {
    const run = await build('Unwrapped', 'FROM --platform=linux/amd64 oci-layout:layout:bare\nINJECT envd PATH envd\nUSER app\nCMD ["/bin/sh"]\n');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('Unwrapped:2:1: warning CUBE1025');
    expect(run.manifest?.readiness).toBeUndefined();
    expect(run.manifest?.wrapped).toBeUndefined();
    expect(run.manifest?.process).toMatchObject({ argv: ['/bin/sh'], user: { uid: 1000, gid: 1000, additionalGids: [] } });
    expect(run.manifest?.process.env).toContain('HOME=/home/app');
  });

  it('a workload as another user, on an architecture cube has no exec-as for, is refused at USER', async () => {
    const run = await build('Riscv', 'FROM --platform=linux/riscv64 oci-layout:layout:riscv\nINJECT envd PATH riscv-envd\nUSER app\nCMD ["/bin/sh"]\nENTRYPOINT wrap\n');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Riscv:3:1: error CUBE3232: the workload runs as 1000:1000 and envd as root, but cube has no exec-as for linux/riscv64');
    const asRoot = await build('RiscvRoot', 'FROM --platform=linux/riscv64 oci-layout:layout:riscv\nINJECT envd PATH riscv-envd\nCMD ["/bin/sh"]\nENTRYPOINT wrap\n');
    expect(asRoot.code, asRoot.stderr).toBe(0);
    expect(asRoot.manifest?.wrapped?.workload.user).toEqual({ uid: 0, gid: 0, additionalGids: [] });
  });
});
