/**
 * Diagnostic codes for a build's output, as `cube run` and `cube inspect` read it (CUBE4xxx):
 * `40xx` when the artifact is wrong (exit code 1), `41xx` when this machine cannot boot it (exit
 * code 3). Codes are stable: never renumber or reuse one.
 */
import type { CatalogEntry } from './catalog-entry.js';

/** A message about the guest, with where its console went and its last lines as notes. */
function withConsole<T extends string>(text: T): { readonly text: T; readonly notes: readonly ['console log: {consoleLog}', "the console's last lines:\n{tail}"] } {
  return { text, notes: ['console log: {consoleLog}', "the console's last lines:\n{tail}"] };
}

/** The `cube run` codes. */
export const runCodes = {
  noArtifact: {
    code: 'CUBE4001',
    severity: 'error',
    summary: 'The directory given to cube run or cube inspect holds no launch.json (or not the rootfs.ext4 it names), or no build output was found.',
    hint: 'run `cube build` first, or pass the output directory of a build (e.g. .cube/out/NAME)',
    messages: {
      noOutput: 'no build output in {directory} (and no OUT_DIR given)',
      missing: '{path} does not exist',
      unreadable: '{path} cannot be read',
      noRootfs: '{path}, named by launch.json, is not there',
    },
  },
  badLaunchManifest: {
    code: 'CUBE4002',
    severity: 'error',
    summary: 'launch.json is not a valid launch manifest.',
    hint: 'rebuild the template with `cube build`; launch.json is written by cube and should not be edited',
    messages: {
      notJson: '{path} is not JSON: {problem}',
      invalid: '{path}: {problem}',
      badEnv: '{path}: process.env entry "{entry}" is not NAME=value',
    },
  },
  imageMismatch: {
    code: 'CUBE4003',
    severity: 'error',
    summary: 'rootfs.ext4 does not match launch.json (size, sha256, or not a multiple of 2 MiB).',
    hint: 'the image was changed or damaged after the build; rebuild it with `cube build`',
    messages: {
      size: '{path} is {size} bytes, and launch.json says {expected}',
      alignment: '{path} is {size} bytes, not a whole number of 2 MiB units',
      digest: '{path} has sha256 {actual}, and launch.json says {expected}',
    },
  },
  rootfsMountFailed: {
    code: 'CUBE4004',
    severity: 'error',
    summary: 'The guest kernel could not mount rootfs.ext4.',
    hint: 'the image may be damaged (check it with `e2fsck -fn`); `--disk blk` shows whether DAX is the cause',
    messages: { initStep: withConsole('the guest init failed at {step}: {problem}') },
  },
  processExited: {
    code: 'CUBE4005',
    severity: 'error',
    summary: 'The sandbox process exited before the sandbox was ready, or while it ran.',
    hint: 'the console log shows what the process printed; fix CMD/ENTRYPOINT so the workload keeps running',
    messages: {
      whileRunning: withConsole('the process exited with status {status} while the sandbox ran'),
      beforeReady: withConsole('the process exited with status {status} before the sandbox was ready'),
    },
  },
  notReady: {
    code: 'CUBE4006',
    severity: 'error',
    summary: 'The readiness probe did not answer in time.',
    hint: 'the console log shows whether envd or the workload failed; raise --timeout if the machine is just slow',
    messages: {
      probe: withConsole('GET {path} on port {guestPort} (127.0.0.1:{hostPort}) did not answer {status} within {limit}'),
      noStart: withConsole('the process did not start within {limit}'),
    },
  },
  unreadableImage: {
    code: 'CUBE4007',
    severity: 'error',
    summary: 'rootfs.ext4 cannot be read as ext4: it is not ext4, it is damaged or cut short, or it uses a feature cube\'s reader does not read.',
    hint: 'check the image with `e2fsck -fn`; rebuild it with `cube build`',
    messages: {
      notExt4: '{path}: not an ext4 image (no ext4 superblock)',
      features: '{path}: uses ext4 features cube\'s reader does not read (incompat flags 0x{flags})',
      superblockSizes: '{path}: the superblock is damaged (impossible block, group or inode sizes)',
      superblockGroups: '{path}: the superblock is damaged (group descriptors or counts)',
      descriptorsPastEnd: '{path}: the group descriptors lie past the end of the image: it is damaged or truncated',
      inodeTablePastEnd: '{path}: group {group}\'s inode table lies past the filesystem\'s end',
      blockPastImage: '{path}: a block lies past the end of the image ({size} bytes): the image is damaged or truncated',
      blockPastFs: '{path}: block {block} lies past the filesystem\'s {blocks} blocks',
      inodeNumber: '{path}: inode {ino} is named, but the filesystem has {inodes}',
      inodePastEnd: '{path}: inode {ino} lies past the end of the image: the image is damaged or truncated',
      inodeType: '{path}: inode {ino} has no known file type (mode 0{mode})',
      noExtents: '{path}: inode {ino} maps its blocks without extents, which cube\'s reader does not read',
      extentTree: '{path}: inode {ino} has a damaged extent tree',
      extentPastEnd: '{path}: inode {ino} has an extent past the filesystem\'s end',
      extentTwice: '{path}: inode {ino} has an extent tree that reaches block {block} twice',
      dirEntry: '{path}: directory inode {ino} has a malformed entry at byte {at} of a block',
      rootNotDir: '{path}: the root inode is not a directory',
      dirLoop: '{path}: directory inode {ino} is reached more than once (a directory loop)',
    },
  },
  noOrigins: {
    code: 'CUBE4008',
    severity: 'warning',
    summary: 'The output has no origins.json for its image (written by an older cube, removed, or from another build), so cube inspect cannot say which step each path came from.',
    hint: 'build again with `cube build` to write origins.json beside the image',
    messages: {
      missing: '{path} is missing or not valid: sizes by origin are not known',
      otherImage: 'origins.json describes another image than plan.json: sizes by origin are not known',
      otherNodes: 'origins.json names plan nodes plan.json does not have: sizes by origin are not known',
      otherPlan: 'plan.json is not the plan launch.json was made from: sizes by origin are not known',
    },
  },
  noQemu: {
    code: 'CUBE4101',
    severity: 'error',
    summary: 'qemu-system-x86_64 was not found.',
    hint: 'install it: `apt-get install qemu-system-x86`',
    messages: {
      arch: { text: 'cube run boots x86_64 guests only, and this machine is {arch}', hint: 'run it on an x86_64 machine' },
      missing: '{binary} is not on PATH',
    },
  },
  noKernel: {
    code: 'CUBE4102',
    severity: 'error',
    summary: 'No usable Linux kernel image was found on this machine.',
    hint: 'install one (`apt-get install linux-image-amd64`) or pass --kernel FILE',
    messages: {
      flagMissing: '--kernel {path}: no readable file there',
      notKernel: { text: '--kernel {path} is not an x86 Linux kernel image (bzImage)', hint: 'pass a vmlinuz file' },
      unreadable: { text: 'the kernel images on this machine cannot be read by this user: {paths}', hint: 'make one readable (sudo chmod 0644 {first}) or pass --kernel FILE' },
      none: 'no kernel image found (looked for {places})',
      initrd: { text: '--initrd {path}: no readable file there ({reason})', hint: 'pass an initramfs archive the kernel can unpack, or leave --initrd out' },
    },
  },
  noBusybox: {
    code: 'CUBE4103',
    severity: 'error',
    summary: 'No statically linked busybox was found for the guest init.',
    hint: 'install it (`apt-get install busybox-static`) or pass --busybox FILE',
    messages: {
      dynamic: '{paths} is dynamically linked, and the guest init has no shared libraries to give it',
      none: 'no busybox found (looked at {places})',
    },
  },
  noKernelModules: {
    code: 'CUBE4104',
    severity: 'error',
    summary: 'The kernel lacks a driver cube run needs, built in or as a module.',
    hint: 'install the kernel\'s modules package (Debian ships them in linux-image-*), or pass --initrd with an initramfs that holds them',
    messages: {
      missing: 'kernel {release} has neither built in nor as a module in {directory}: {modules}',
      unreadableXz: { text: 'cannot read the kernel module {path}: {reason}', hint: 'the busybox at {busybox} must have the xzcat applet (busybox-static has it); or reinstall the kernel\'s modules' },
      unreadable: { text: 'cannot read the kernel module {path}: {reason}', hint: 'reinstall the kernel\'s modules, or pass --kernel and --initrd' },
      initStep: withConsole('the guest init failed at {step}: {problem}'),
    },
  },
  vmFailed: {
    code: 'CUBE4105',
    severity: 'error',
    summary: 'The virtual machine stopped before the sandbox was ready: qemu failed or the guest kernel panicked.',
    hint: 'the console log shows the kernel\'s messages',
    messages: {
      status: withConsole('qemu exited with status {status}'),
      statusLine: withConsole('qemu exited with status {status}: {line}'),
      signal: withConsole('qemu exited on {signal}'),
      signalLine: withConsole('qemu exited on {signal}: {line}'),
      panic: withConsole('the guest kernel panicked: {line}'),
    },
  },
  guestSetupFailed: {
    code: 'CUBE4106',
    severity: 'error',
    summary: 'The guest init could not prepare the sandbox (overlay, mounts, network).',
    hint: 'the console log shows the failing step',
    messages: { initStep: withConsole('the guest init failed at {step}: {problem}') },
  },
} as const satisfies Record<string, CatalogEntry>;
