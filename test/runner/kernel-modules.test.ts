/**
 * Module resolution from a kernel's own indexes: dependencies before dependants, soft
 * dependencies through aliases, built-ins skipped, missing drivers reported; decompression of
 * each format distributions ship; and the real host kernel, whose drivers must all resolve.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findBusybox, findKernel } from '../../src/runner/host-parts.js';
import { moduleName, planModules, readModule, readModuleIndex, REQUIRED_DRIVERS } from '../../src/runner/kernel-modules.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cube-modules-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** A modules directory with the given index files. */
async function modulesDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(work, 'lib-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

const DEP = `kernel/fs/ext4/ext4.ko.xz: kernel/lib/crc16.ko.xz kernel/fs/mbcache.ko.xz kernel/fs/jbd2/jbd2.ko.xz
kernel/lib/crc16.ko.xz:
kernel/fs/mbcache.ko.xz:
kernel/fs/jbd2/jbd2.ko.xz:
kernel/crypto/crc32c_generic.ko.xz:
kernel/arch/x86/crypto/crc32c-intel.ko.xz:
kernel/drivers/virtio/virtio.ko.xz: kernel/drivers/virtio/virtio_ring.ko.xz
kernel/drivers/virtio/virtio_ring.ko.xz:
kernel/drivers/virtio/virtio_pci.ko.xz: kernel/drivers/virtio/virtio.ko.xz kernel/drivers/virtio/virtio_ring.ko.xz
`;

describe('planModules', () => {
  it('loads dependencies first, each once, with soft dependencies through aliases (the generic one)', async () => {
    const dir = await modulesDir({
      'modules.dep': DEP,
      'modules.builtin': 'kernel/fs/overlayfs/overlay.ko\n',
      'modules.softdep': '# comment\nsoftdep ext4 pre: crypto-crc32c\nsoftdep jbd2 pre: crypto-crc32c\n',
      'modules.alias': 'alias crypto-crc32c crc32c_intel\nalias crypto-crc32c crc32c_generic\nalias pci:v* virtio_pci\n',
    });
    const plan = planModules(await readModuleIndex(dir), ['virtio_pci', 'ext4', 'overlay', 'nd_pmem']);
    expect(plan.load.map((m) => m.name)).toEqual(['virtio_ring', 'virtio', 'virtio_pci', 'crc32c_generic', 'crc16', 'mbcache', 'jbd2', 'ext4']);
    expect(plan.load.find((m) => m.name === 'ext4')?.path).toBe('kernel/fs/ext4/ext4.ko.xz');
    expect(plan.builtin).toEqual(['overlay']);
    expect(plan.missing).toEqual(['nd_pmem']);
  });

  it('skips a soft dependency that is built in or unknown', async () => {
    const dir = await modulesDir({ 'modules.dep': DEP, 'modules.builtin': 'kernel/crypto/crc32c_generic.ko\n', 'modules.softdep': 'softdep ext4 pre: crypto-crc32c nothing-here\n', 'modules.alias': 'alias crypto-crc32c crc32c_generic\n' });
    expect(planModules(await readModuleIndex(dir), ['ext4']).load.map((m) => m.name)).toEqual(['crc16', 'mbcache', 'jbd2', 'ext4']);
  });

  it('names modules as the kernel does', () => {
    expect(['kernel/arch/x86/crypto/crc32c-intel.ko.zst', 'ext4.ko', 'a/nd_pmem.ko.gz'].map(moduleName)).toEqual(['crc32c_intel', 'ext4', 'nd_pmem']);
  });
});

describe('readModule', () => {
  it('decompresses xz, zstd and gzip modules, and reads plain ones', async () => {
    const content = Buffer.from('\x7fELF a module '.repeat(1000));
    const dir = await mkdtemp(join(work, 'ko-'));
    const plain = join(dir, 'm.ko');
    await writeFile(plain, content);
    await execa('xz', ['-k', plain]);
    await execa('zstd', ['-q', '-k', plain]);
    await execa('gzip', ['-k', plain]);
    const busybox = await findBusybox(undefined, process.env);
    for (const suffix of ['', '.xz', '.zst', '.gz']) expect((await readModule(plain + suffix, busybox)).equals(content), suffix).toBe(true);
  });
});

describe('this machine', () => {
  it('has every driver cube run needs, built in or as a module, in an order modules.dep allows', async () => {
    const kernel = await findKernel(undefined);
    expect(kernel.modulesDir).toBeDefined();
    const index = await readModuleIndex(kernel.modulesDir as string);
    const plan = planModules(index, REQUIRED_DRIVERS);
    expect(plan.missing).toEqual([]);
    const position = new Map(plan.load.map((m, i) => [m.name, i]));
    for (const [i, m] of plan.load.entries()) {
      for (const dep of index.modules.get(m.name)?.deps ?? []) expect(position.get(dep) ?? -1, `${dep} before ${m.name}`).toBeLessThan(i);
    }
  });
});
