/**
 * The host search: the newest kernel by release with its modules, `--kernel` overrides, a
 * readable diagnostic for what is missing, busybox that must be static, and the real parts of
 * this machine (CI installs linux-image-amd64 and busybox-static).
 */
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { elfLinkage, kernelRelease } from '../../src/runner/binary-headers.js';
import { findBusybox, findKernel, HOST_ROOTS } from '../../src/runner/host-parts.js';
import { codeOf } from '../helpers/diagnostics.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cube-host-parts-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const none = { bootDirs: [], moduleRoots: [], busyboxPaths: [] };

describe('findKernel', () => {
  /** A file with a bzImage setup header whose version string says `release`. */
  async function fakeKernel(path: string, release: string): Promise<void> {
    const image = Buffer.alloc(0x400);
    image.write('HdrS', 0x202, 'latin1');
    image.writeUInt16LE(0x100, 0x20e);
    image.write(`${release} (builder@example) #1 SMP`, 0x300, 'latin1');
    await writeFile(path, image);
  }

  it('takes the newest release by version, with its modules directory', async () => {
    const root = await mkdtemp(join(work, 'roots-'));
    await mkdir(join(root, 'boot'));
    await mkdir(join(root, 'modules', '6.10.0-1', 'kernel'), { recursive: true });
    await writeFile(join(root, 'modules', '6.10.0-1', 'modules.dep'), '');
    await fakeKernel(join(root, 'boot', 'vmlinuz-6.9.12-1'), '6.9.12-1');
    await fakeKernel(join(root, 'modules', '6.10.0-1', 'vmlinuz'), '6.10.0-1');
    await writeFile(join(root, 'boot', 'vmlinuz-broken'), 'not a kernel');
    const roots = { bootDirs: [join(root, 'boot')], moduleRoots: [join(root, 'modules')], busyboxPaths: [] };
    expect(await findKernel(undefined, roots)).toEqual({ path: join(root, 'modules', '6.10.0-1', 'vmlinuz'), release: '6.10.0-1', modulesDir: join(root, 'modules', '6.10.0-1') });
    expect(await findKernel(join(root, 'boot', 'vmlinuz-6.9.12-1'), roots)).toEqual({ path: join(root, 'boot', 'vmlinuz-6.9.12-1'), release: '6.9.12-1' });
  });

  it('says what is missing: no kernel, a file that is not a kernel', async () => {
    expect(await codeOf(findKernel(undefined, none))).toBe('CUBE4102');
    const notKernel = join(work, 'not-a-kernel');
    await writeFile(notKernel, 'hello');
    expect(await codeOf(findKernel(notKernel, none))).toBe('CUBE4102');
    expect(await codeOf(findKernel(join(work, 'absent'), none))).toBe('CUBE4102');
  });

  it('reads the release of the installed kernels from their images', async () => {
    const kernels = (await readdir('/boot')).filter((n) => n.startsWith('vmlinuz-'));
    expect(kernels.length).toBeGreaterThan(0);
    for (const name of kernels) expect(await kernelRelease(join('/boot', name))).toBe(name.slice('vmlinuz-'.length));
    expect((await findKernel(undefined, HOST_ROOTS)).modulesDir).toMatch(/^\/(usr\/)?lib\/modules\//);
  });
});

describe('findBusybox', () => {
  it('takes a static busybox and refuses a dynamic executable or a missing file', async () => {
    const busybox = await findBusybox(undefined, process.env);
    expect(await elfLinkage(busybox)).toBe('static');
    expect(await elfLinkage('/bin/ls')).toBe('dynamic');
    expect(await codeOf(findBusybox('/bin/ls', process.env))).toBe('CUBE4103');
    expect(await codeOf(findBusybox(undefined, {}, none))).toBe('CUBE4103');
  });
});
