/**
 * Diagnostic codes for a build's output, as `cube run` and `cube inspect` read it (CUBE4xxx):
 * `40xx` when the artifact is wrong (exit code 1), `41xx` when this machine cannot boot it (exit
 * code 3). Codes are stable: never renumber or reuse one.
 */
import type { CatalogEntry } from './catalog-entry.js';

/** The `cube run` codes. */
export const runCodes = {
  noArtifact: {
    code: 'CUBE4001',
    severity: 'error',
    summary: 'The directory given to cube run or cube inspect holds no launch.json (or not the rootfs.ext4 it names), or no build output was found.',
    hint: 'run `cube build` first, or pass the output directory of a build (e.g. .cube/out/NAME)',
  },
  badLaunchManifest: {
    code: 'CUBE4002',
    severity: 'error',
    summary: 'launch.json is not a valid launch manifest.',
    hint: 'rebuild the template with `cube build`; launch.json is written by cube and should not be edited',
  },
  imageMismatch: {
    code: 'CUBE4003',
    severity: 'error',
    summary: 'rootfs.ext4 does not match launch.json (size, sha256, or not a multiple of 2 MiB).',
    hint: 'the image was changed or damaged after the build; rebuild it with `cube build`',
  },
  rootfsMountFailed: {
    code: 'CUBE4004',
    severity: 'error',
    summary: 'The guest kernel could not mount rootfs.ext4.',
    hint: 'the image may be damaged (check it with `e2fsck -fn`); `--disk blk` shows whether DAX is the cause',
  },
  processExited: {
    code: 'CUBE4005',
    severity: 'error',
    summary: 'The sandbox process exited before the sandbox was ready, or while it ran.',
    hint: 'the console log shows what the process printed; fix CMD/ENTRYPOINT so the workload keeps running',
  },
  notReady: {
    code: 'CUBE4006',
    severity: 'error',
    summary: 'The readiness probe did not answer in time.',
    hint: 'the console log shows whether envd or the workload failed; raise --timeout if the machine is just slow',
  },
  unreadableImage: {
    code: 'CUBE4007',
    severity: 'error',
    summary: 'rootfs.ext4 cannot be read as ext4: it is not ext4, it is damaged or cut short, or it uses a feature cube\'s reader does not read.',
    hint: 'check the image with `e2fsck -fn`; rebuild it with `cube build`',
  },
  noOrigins: {
    code: 'CUBE4008',
    severity: 'warning',
    summary: 'The output has no origins.json for its image (written by an older cube, removed, or from another build), so cube inspect cannot say which step each path came from.',
    hint: 'build again with `cube build` to write origins.json beside the image',
  },
  noQemu: {
    code: 'CUBE4101',
    severity: 'error',
    summary: 'qemu-system-x86_64 was not found.',
    hint: 'install it: `apt-get install qemu-system-x86`',
  },
  noKernel: {
    code: 'CUBE4102',
    severity: 'error',
    summary: 'No usable Linux kernel image was found on this machine.',
    hint: 'install one (`apt-get install linux-image-amd64`) or pass --kernel FILE',
  },
  noBusybox: {
    code: 'CUBE4103',
    severity: 'error',
    summary: 'No statically linked busybox was found for the guest init.',
    hint: 'install it (`apt-get install busybox-static`) or pass --busybox FILE',
  },
  noKernelModules: {
    code: 'CUBE4104',
    severity: 'error',
    summary: 'The kernel lacks a driver cube run needs, built in or as a module.',
    hint: 'install the kernel\'s modules package (Debian ships them in linux-image-*), or pass --initrd with an initramfs that holds them',
  },
  vmFailed: {
    code: 'CUBE4105',
    severity: 'error',
    summary: 'The virtual machine stopped before the sandbox was ready: qemu failed or the guest kernel panicked.',
    hint: 'the console log shows the kernel\'s messages',
  },
  guestSetupFailed: {
    code: 'CUBE4106',
    severity: 'error',
    summary: 'The guest init could not prepare the sandbox (overlay, mounts, network).',
    hint: 'the console log shows the failing step',
  },
} as const satisfies Record<string, CatalogEntry>;
