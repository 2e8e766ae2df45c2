/**
 * qemu's command line for one boot, as a pure function of what was decided. The machine mirrors
 * the platform's: the rootfs read-only as virtio-pmem (mapped from the file, private, read-only)
 * or virtio-blk, an optional scratch disk for the overlay's upper layer, and qemu's user network
 * with `restrict=on`, so the guest reaches nothing but the ports forwarded from 127.0.0.1.
 */
import { accelArgs } from './accel.js';
import type { Accel } from './accel.js';
import type { DiskMode } from './init-script.js';
import { GUEST_ADDRESS } from './init-script.js';

/** One forwarded port: `127.0.0.1:host` on the host reaches `guest` in the sandbox. */
export interface PortForward {
  readonly protocol: 'tcp' | 'udp';
  readonly guest: number;
  readonly host: number;
}

/** Everything one boot is made of. */
export interface MachineSpec {
  readonly accel: Accel;
  readonly kernel: string;
  readonly initramfs: string;
  readonly memoryMiB: number;
  readonly rootfs: { readonly path: string; readonly size: number };
  readonly disk: DiskMode;
  /** A raw ext4 image for the upper layer, when not a tmpfs. */
  readonly scratch?: string;
  readonly ports: readonly PortForward[];
}

/**
 * The kernel command line: the serial console, a panic ends the boot at once, little noise; and
 * no crypto self-tests, PS/2 probing or timer checks, which cost seconds under TCG.
 */
export const KERNEL_CMDLINE = 'console=ttyS0 panic=-1 quiet cryptomgr.notests i8042.noaux i8042.nokbd no_timer_check tsc=reliable';

const GIB = 1024 ** 3;

/** Escapes a value inside a qemu `key=value,…` option (a comma is written twice). */
export function qemuValue(value: string): string {
  return value.replace(/,/g, ',,');
}

/** The rootfs device: virtio-pmem backed by the file mapped read-only, or a read-only virtio-blk disk. */
function rootfsArgs(spec: MachineSpec): string[] {
  const path = qemuValue(spec.rootfs.path);
  if (spec.disk === 'pmem') {
    return [
      '-object', `memory-backend-file,id=rootfs,mem-path=${path},size=${spec.rootfs.size},share=off,readonly=on`,
      '-device', 'virtio-pmem-pci,memdev=rootfs,id=rootfs-pmem',
    ];
  }
  return ['-drive', `file=${path},format=raw,if=none,id=rootfs,readonly=on`, '-device', 'virtio-blk-pci,drive=rootfs'];
}

/** qemu's arguments (without the binary). Disks are attached rootfs first, as init-script.ts expects. */
export function qemuArgs(spec: MachineSpec): string[] {
  // virtio-pmem lives in the hotplug memory area, which must hold the whole image.
  const maxMiB = spec.memoryMiB + (Math.ceil(spec.rootfs.size / GIB) * GIB) / (1024 * 1024);
  const forwards = spec.ports.map((p) => `,hostfwd=${p.protocol}:127.0.0.1:${p.host}-${GUEST_ADDRESS}:${p.guest}`).join('');
  return [
    ...accelArgs(spec.accel),
    // qboot (shipped with qemu) loads the kernel without SeaBIOS's device scan.
    '-machine', 'q35', '-bios', 'qboot.rom',
    '-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot',
    '-m', `${spec.memoryMiB}M,slots=1,maxmem=${maxMiB}M`,
    '-kernel', spec.kernel,
    '-initrd', spec.initramfs,
    '-append', KERNEL_CMDLINE,
    '-chardev', 'stdio,id=console,signal=off',
    '-serial', 'chardev:console',
    ...rootfsArgs(spec),
    ...(spec.scratch !== undefined ? ['-drive', `file=${qemuValue(spec.scratch)},format=raw,if=none,id=scratch`, '-device', 'virtio-blk-pci,drive=scratch'] : []),
    '-netdev', `user,id=net,restrict=on${forwards}`,
    '-device', 'virtio-net-pci,netdev=net',
  ];
}
