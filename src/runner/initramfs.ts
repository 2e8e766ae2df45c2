/**
 * The initramfs `cube run` boots: the host's static busybox with links for the applets the init
 * uses, the kernel modules the boot needs (decompressed, in load order), `/dev/console`, the
 * mount points, and the generated `/init`. Written with cube's own cpio writer, so nothing is
 * compiled or packed by another tool on the user's machine.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createDiagnostic, DiagnosticError } from '../core/diagnostics/index.js';
import { runCodes } from '../core/diagnostics/catalog.js';
import type { Logger } from '../core/log.js';
import { CpioWriter } from './cpio.js';
import type { HostKernel } from './host-parts.js';
import { INIT_APPLETS, INITRAMFS_PATHS, initScript } from './init-script.js';
import type { InitPlan } from './init-script.js';
import { planModules, readModule, readModuleIndex, REQUIRED_DRIVERS } from './kernel-modules.js';

/** What the initramfs is made of. */
export interface InitramfsInput {
  readonly kernel: HostKernel;
  readonly busybox: string;
  /** A `--initrd` archive loaded before this one (it may hold modules cube lacks). */
  readonly initrd?: Buffer;
  readonly init: Omit<InitPlan, 'modules' | 'modprobe'>;
}

/** What was decided, for the log. */
export interface InitramfsResult {
  readonly path: string;
  readonly modules: readonly string[];
  readonly builtin: readonly string[];
}

/** The modules to pack and those to leave to `modprobe` (from a `--initrd` archive). */
async function moduleChoice(input: InitramfsInput, logger: Logger): Promise<{ load: { name: string; path: string }[]; builtin: string[]; modprobe: string[] }> {
  const { kernel } = input;
  if (kernel.modulesDir === undefined) {
    logger.info({ release: kernel.release }, input.initrd !== undefined
      ? `no modules for kernel ${kernel.release} on this machine: the guest loads them from --initrd`
      : `no modules for kernel ${kernel.release} on this machine: assuming its drivers are built in`);
    return { load: [], builtin: [], modprobe: input.initrd !== undefined ? [...REQUIRED_DRIVERS] : [] };
  }
  const plan = planModules(await readModuleIndex(kernel.modulesDir), REQUIRED_DRIVERS);
  if (plan.missing.length > 0 && !input.initrd !== undefined) {
    throw new DiagnosticError(
      createDiagnostic(runCodes.noKernelModules, 'missing', { release: kernel.release, directory: kernel.modulesDir, modules: plan.missing.join(', ') }),
    );
  }
  return { load: plan.load.map((m) => ({ name: m.name, path: join(kernel.modulesDir as string, m.path) })), builtin: [...plan.builtin], modprobe: [...plan.missing] };
}

/** cpio archives may follow one another in an initramfs; each starts on a 512-byte block. */
const CPIO_BLOCK = 512;

/**
 * Writes the initramfs to `path`, after `input.initrd` (padded to a whole cpio block) when given:
 * the kernel unpacks both, so that archive can supply modules while cube's `/init` still wins.
 */
export async function writeInitramfs(path: string, input: InitramfsInput, logger: Logger): Promise<InitramfsResult> {
  const first = input.initrd;
  const { load, builtin, modprobe } = await moduleChoice(input, logger);
  const archive = new CpioWriter();
  for (const dir of ['bin', 'dev', 'proc', 'sys', 'lib', 'cube']) archive.directory(dir);
  archive.characterDevice('dev/console', 5, 1);
  archive.file(INITRAMFS_PATHS.busybox.slice(1), await readFile(input.busybox), 0o755);
  for (const applet of INIT_APPLETS) archive.symlink(`bin/${applet}`, 'busybox');
  archive.directory(INITRAMFS_PATHS.modules.slice(1));
  const packed: string[] = [];
  for (const [i, module] of load.entries()) {
    const inImage = `${INITRAMFS_PATHS.modules}/${String(i).padStart(2, '0')}-${module.name}.ko`;
    archive.file(inImage.slice(1), await readModule(module.path, input.busybox));
    packed.push(inImage);
  }
  for (const dir of [INITRAMFS_PATHS.lower, INITRAMFS_PATHS.upper, INITRAMFS_PATHS.root]) archive.directory(dir.slice(1));
  archive.file('init', Buffer.from(initScript({ ...input.init, modules: packed, modprobe })), 0o755);
  const padding = first ? Buffer.alloc((CPIO_BLOCK - (first.length % CPIO_BLOCK)) % CPIO_BLOCK) : Buffer.alloc(0);
  await writeFile(path, first ? Buffer.concat([first, padding, archive.finish()]) : archive.finish());
  return { path, modules: load.map((m) => m.name), builtin };
}
