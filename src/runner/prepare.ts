/**
 * Everything decided before qemu starts: the host parts, the initramfs, the accelerator, the host
 * ports and the scratch disk, all written into one temporary directory the caller removes.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCodes } from '../core/diagnostics/catalog.js';
import { createDiagnostic, DiagnosticError } from '../core/diagnostics/index.js';
import type { Logger } from '../core/log.js';
import { createExt4Writer } from '../executor/ext4/index.js';
import type { Artifact } from './artifact.js';
import { chooseAccel } from './accel.js';
import type { Accel } from './accel.js';
import { findBusybox, findKernel, findQemu } from './host-parts.js';
import type { HostKernel } from './host-parts.js';
import type { DiskMode } from './init-script.js';
import { writeInitramfs } from './initramfs.js';
import { pickHostPorts } from './network.js';
import type { MachineSpec } from './qemu-args.js';

/** The choices a user makes on the command line. */
export interface BootChoices {
  readonly disk: DiskMode;
  /** Bytes of a scratch disk for the upper layer; a tmpfs when absent. */
  readonly scratchSize?: number;
  readonly memoryMiB: number;
  readonly kernel?: string;
  readonly initrd?: string;
  readonly busybox?: string;
}

/** A boot ready to start. */
export interface PreparedBoot {
  readonly qemu: string;
  readonly kernel: HostKernel;
  readonly busybox: string;
  readonly accel: Accel;
  readonly machine: MachineSpec;
}

/** Writes an empty ext4 image of `size` bytes (cube's own writer), for the overlay's upper layer. */
async function writeScratchDisk(path: string, size: number): Promise<void> {
  const writer = await createExt4Writer(path, { seed: 'cube-run-scratch', size });
  await writer.close();
}

/** The `--initrd` archive, read before anything is written; one that cannot be read is a diagnostic. */
async function readInitrd(initrd: string): Promise<Buffer> {
  try {
    return await readFile(initrd);
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new DiagnosticError(createDiagnostic(runCodes.noKernel, 'initrd', { path: initrd, reason: why }));
  }
}

/** Finds the host parts and writes the boot's files into `work`. */
export async function prepareBoot(artifact: Artifact, choices: BootChoices, work: string, env: Readonly<Record<string, string | undefined>>, logger: Logger): Promise<PreparedBoot> {
  const qemu = await findQemu(env);
  const kernel = await findKernel(choices.kernel);
  const busybox = await findBusybox(choices.busybox, env);
  const initramfs = join(work, 'initramfs.cpio');
  const first = choices.initrd !== undefined ? await readInitrd(choices.initrd) : undefined;
  const scratch = choices.scratchSize !== undefined ? join(work, 'scratch.ext4') : undefined;
  const built = await writeInitramfs(
    initramfs,
    { kernel, busybox, ...(first ? { initrd: first } : {}), init: { disk: choices.disk, scratch: scratch !== undefined, process: artifact.manifest.process } },
    logger,
  );
  logger.info(
    { kernel: kernel.path, release: kernel.release, busybox, modules: built.modules, builtin: built.builtin },
    `kernel ${kernel.path} (${kernel.release}), ${built.modules.length} modules from ${kernel.modulesDir ?? 'nowhere'}, busybox ${busybox}`,
  );
  if (scratch !== undefined && choices.scratchSize !== undefined) await writeScratchDisk(scratch, choices.scratchSize);
  const { user } = artifact.manifest.process;
  if (user.additionalGids.length > 0) {
    logger.warn({ additionalGids: user.additionalGids }, `the process runs as ${user.uid}:${user.gid} without its supplementary groups ${user.additionalGids.join(',')}: the guest init cannot set them`);
  }
  const accel = await chooseAccel(qemu, work);
  logger.info({ accel: accel.kind, ...(accel.kind === 'tcg' ? { reason: accel.reason } : {}) }, accel.kind === 'kvm' ? 'booting with KVM' : `booting with TCG (slower): ${accel.reason}`);
  const ports = await pickHostPorts(artifact.manifest.exposedPorts);
  const machine: MachineSpec = {
    accel,
    kernel: kernel.path,
    initramfs,
    memoryMiB: choices.memoryMiB,
    rootfs: { path: artifact.rootfs, size: artifact.manifest.artifact.size },
    disk: choices.disk,
    ...(scratch !== undefined ? { scratch } : {}),
    ports,
  };
  return { qemu, kernel, busybox, accel, machine };
}
