/** qemu's command line: each disk mode, the scratch disk, forwarded ports, and paths with commas. */
import { describe, expect, it } from 'vitest';
import { qemuArgs } from '../../src/runner/qemu-args.js';
import type { MachineSpec } from '../../src/runner/qemu-args.js';

const spec: MachineSpec = {
  accel: { kind: 'tcg', reason: 'test' },
  kernel: '/boot/vmlinuz',
  initramfs: '/tmp/initramfs.cpio',
  memoryMiB: 512,
  rootfs: { path: '/out/a,b/rootfs.ext4', size: 64 * 1024 * 1024 },
  disk: 'pmem',
  ports: [{ protocol: 'tcp', guest: 49983, host: 40001 }, { protocol: 'udp', guest: 53, host: 40002 }],
};

/** The value after each occurrence of `flag`. */
function values(args: readonly string[], flag: string): string[] {
  return args.flatMap((a, i) => (a === flag ? [args[i + 1] as string] : []));
}

describe('qemuArgs', () => {
  it('maps the rootfs read-only as virtio-pmem, with room for it in the hotplug area', () => {
    const args = qemuArgs(spec);
    expect(values(args, '-object')).toEqual([`memory-backend-file,id=rootfs,mem-path=/out/a,,b/rootfs.ext4,size=${64 * 1024 * 1024},share=off,readonly=on`]);
    expect(values(args, '-m')).toEqual(['512M,slots=1,maxmem=1536M']);
    expect(values(args, '-accel')).toEqual(['tcg']);
  });

  it('attaches a read-only virtio-blk rootfs before the scratch disk', () => {
    const args = qemuArgs({ ...spec, disk: 'blk', scratch: '/tmp/scratch.ext4' });
    expect(values(args, '-drive')).toEqual(['file=/out/a,,b/rootfs.ext4,format=raw,if=none,id=rootfs,readonly=on', 'file=/tmp/scratch.ext4,format=raw,if=none,id=scratch']);
    expect(values(args, '-object')).toEqual([]);
  });

  it('forwards each port from 127.0.0.1 on a restricted user network', () => {
    expect(values(qemuArgs(spec), '-netdev')).toEqual(['user,id=net,restrict=on,hostfwd=tcp:127.0.0.1:40001-10.0.2.15:49983,hostfwd=udp:127.0.0.1:40002-10.0.2.15:53']);
  });
});
