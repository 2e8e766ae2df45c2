/**
 * Diagnostic codes for `cube run` (CUBE4xxx): `40xx` when the artifact is wrong (exit code 1),
 * `41xx` when this machine cannot boot it (exit code 3). Codes are stable: never renumber or
 * reuse one.
 */
import type { CatalogEntry } from './catalog-entry.js';

/** The `cube run` codes. */
export const runCodes = {
  noArtifact: {
    code: 'CUBE4001',
    severity: 'error',
    summary: 'The directory given to cube run holds no launch.json, or no build output was found.',
    hint: 'run `cube build` first, or pass the output directory of a build (e.g. .cube/out/NAME)',
    messages: {},
  },
  badLaunchManifest: {
    code: 'CUBE4002',
    severity: 'error',
    summary: 'launch.json is not a valid launch manifest.',
    hint: 'rebuild the template with `cube build`; launch.json is written by cube and should not be edited',
    messages: {},
  },
  imageMismatch: {
    code: 'CUBE4003',
    severity: 'error',
    summary: 'rootfs.ext4 does not match launch.json (size, sha256, or not a multiple of 2 MiB).',
    hint: 'the image was changed or damaged after the build; rebuild it with `cube build`',
    messages: {},
  },
  rootfsMountFailed: {
    code: 'CUBE4004',
    severity: 'error',
    summary: 'The guest kernel could not mount rootfs.ext4.',
    hint: 'the image may be damaged (check it with `e2fsck -fn`); `--disk blk` shows whether DAX is the cause',
    messages: {},
  },
  processExited: {
    code: 'CUBE4005',
    severity: 'error',
    summary: 'The sandbox process exited before the sandbox was ready, or while it ran.',
    hint: 'the console log shows what the process printed; fix CMD/ENTRYPOINT so the workload keeps running',
    messages: {},
  },
  notReady: {
    code: 'CUBE4006',
    severity: 'error',
    summary: 'The readiness probe did not answer in time.',
    hint: 'the console log shows whether envd or the workload failed; raise --timeout if the machine is just slow',
    messages: {},
  },
  noQemu: {
    code: 'CUBE4101',
    severity: 'error',
    summary: 'qemu-system-x86_64 was not found.',
    hint: 'install it: `apt-get install qemu-system-x86`',
    messages: {},
  },
  noKernel: {
    code: 'CUBE4102',
    severity: 'error',
    summary: 'No usable Linux kernel image was found on this machine.',
    hint: 'install one (`apt-get install linux-image-amd64`) or pass --kernel FILE',
    messages: {},
  },
  noBusybox: {
    code: 'CUBE4103',
    severity: 'error',
    summary: 'No statically linked busybox was found for the guest init.',
    hint: 'install it (`apt-get install busybox-static`) or pass --busybox FILE',
    messages: {},
  },
  noKernelModules: {
    code: 'CUBE4104',
    severity: 'error',
    summary: 'The kernel lacks a driver cube run needs, built in or as a module.',
    hint: 'install the kernel\'s modules package (Debian ships them in linux-image-*), or pass --initrd with an initramfs that holds them',
    messages: {},
  },
  vmFailed: {
    code: 'CUBE4105',
    severity: 'error',
    summary: 'The virtual machine stopped before the sandbox was ready: qemu failed or the guest kernel panicked.',
    hint: 'the console log shows the kernel\'s messages',
    messages: {},
  },
  guestSetupFailed: {
    code: 'CUBE4106',
    severity: 'error',
    summary: 'The guest init could not prepare the sandbox (overlay, mounts, network).',
    hint: 'the console log shows the failing step',
    messages: {},
  },
} as const satisfies Record<string, CatalogEntry>;
