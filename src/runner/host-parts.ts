/**
 * Finding what `cube run` borrows from the host: qemu, a kernel with its modules, and a static
 * busybox. Nothing is compiled on the user's machine; each part comes from a Debian package (or
 * a flag), and a missing one is a diagnostic that says which package to install.
 *
 * The search, in order (docs/artifacts.md repeats it):
 * - qemu: `qemu-system-x86_64` on `$PATH`.
 * - kernel: `--kernel FILE`, else the newest release among `/boot/vmlinuz-<release>`,
 *   `/lib/modules/<release>/vmlinuz` and `/usr/lib/modules/<release>/vmlinuz`; its modules in
 *   `/lib/modules/<release>` or `/usr/lib/modules/<release>`.
 * - busybox: `--busybox FILE`, else `/bin/busybox`, `/usr/bin/busybox`, then `$PATH`; it must be
 *   statically linked.
 */
import { constants } from 'node:fs';
import { access, readdir, stat } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { createDiagnostic, DiagnosticError } from '../core/diagnostics/index.js';
import { runCodes } from '../core/diagnostics/catalog.js';
import { elfLinkage, kernelRelease } from './binary-headers.js';

/** The qemu binary cube drives. */
export const QEMU_BINARY = 'qemu-system-x86_64';

/** A kernel image and where its modules are, if anywhere. */
export interface HostKernel {
  readonly path: string;
  readonly release: string;
  /** `/lib/modules/<release>` when it holds `modules.dep`. */
  readonly modulesDir?: string;
}

/** Where to look; tests point these at their own trees. */
export interface SearchRoots {
  readonly bootDirs: readonly string[];
  readonly moduleRoots: readonly string[];
  readonly busyboxPaths: readonly string[];
}

/** The places a Debian (or Fedora, Arch) machine keeps these parts. */
export const HOST_ROOTS: SearchRoots = {
  bootDirs: ['/boot'],
  moduleRoots: ['/lib/modules', '/usr/lib/modules'],
  busyboxPaths: ['/bin/busybox', '/usr/bin/busybox'],
};

async function isReadableFile(path: string): Promise<boolean> {
  const info = await stat(path).catch(() => undefined);
  return info?.isFile() === true && (await access(path, constants.R_OK).then(() => true, () => false));
}

/** Entries of a directory, or none when it cannot be read. */
async function list(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}

/** `cmd` on `$PATH`, if any. */
export async function onPath(cmd: string, env: Readonly<Record<string, string | undefined>>): Promise<string | undefined> {
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, cmd);
    if (await access(candidate, constants.X_OK).then(() => true, () => false)) return candidate;
  }
  return undefined;
}

/** qemu-system-x86_64 from `$PATH`. */
export async function findQemu(env: Readonly<Record<string, string | undefined>>): Promise<string> {
  if (process.arch !== 'x64') {
    throw new DiagnosticError(createDiagnostic(runCodes.noQemu, 'arch', { arch: process.arch }));
  }
  const qemu = await onPath(QEMU_BINARY, env);
  if (qemu === undefined) throw new DiagnosticError(createDiagnostic(runCodes.noQemu, 'missing', { binary: QEMU_BINARY }));
  return qemu;
}

/** Compares kernel releases as version numbers (`6.10.0` after `6.9.12`). */
export function compareReleases(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/** The modules directory of `release` under the first root that has its `modules.dep`. */
async function modulesDirOf(release: string, roots: SearchRoots): Promise<string | undefined> {
  for (const root of roots.moduleRoots) {
    if (await isReadableFile(join(root, release, 'modules.dep'))) return join(root, release);
  }
  return undefined;
}

/** The kernel from `--kernel`, else the newest one installed (see the module comment). */
export async function findKernel(flag: string | undefined, roots: SearchRoots = HOST_ROOTS): Promise<HostKernel> {
  if (flag !== undefined) {
    if (!(await isReadableFile(flag))) throw new DiagnosticError(createDiagnostic(runCodes.noKernel, 'flagMissing', { path: flag }));
    const release = await kernelRelease(flag);
    if (release === undefined) {
      throw new DiagnosticError(createDiagnostic(runCodes.noKernel, 'notKernel', { path: flag }));
    }
    const modulesDir = await modulesDirOf(release, roots);
    return { path: flag, release, ...(modulesDir !== undefined ? { modulesDir } : {}) };
  }
  const candidates: string[] = [];
  for (const dir of roots.bootDirs) candidates.push(...(await list(dir)).filter((n) => n.startsWith('vmlinuz-')).map((n) => join(dir, n)));
  for (const root of roots.moduleRoots) candidates.push(...(await list(root)).map((release) => join(root, release, 'vmlinuz')));
  const unreadable: string[] = [];
  const found: HostKernel[] = [];
  for (const path of candidates) {
    if (!(await stat(path).then((s) => s.isFile(), () => false))) continue;
    if (!(await isReadableFile(path))) {
      unreadable.push(path);
      continue;
    }
    const release = await kernelRelease(path);
    if (release === undefined) continue;
    const modulesDir = await modulesDirOf(release, roots);
    found.push({ path, release, ...(modulesDir !== undefined ? { modulesDir } : {}) });
  }
  const newest = found.sort((a, b) => compareReleases(b.release, a.release))[0];
  if (newest !== undefined) return newest;
  if (unreadable.length > 0) {
    throw new DiagnosticError(createDiagnostic(runCodes.noKernel, 'unreadable', { paths: unreadable.join(', '), first: unreadable[0] as string }));
  }
  const places = [...roots.bootDirs.map((d) => `${d}/vmlinuz-*`), ...roots.moduleRoots.map((r) => `${r}/*/vmlinuz`)].join(', ');
  throw new DiagnosticError(createDiagnostic(runCodes.noKernel, 'none', { places }));
}

/** The busybox from `--busybox`, else the first one found (see the module comment); it must be static. */
export async function findBusybox(flag: string | undefined, env: Readonly<Record<string, string | undefined>>, roots: SearchRoots = HOST_ROOTS): Promise<string> {
  const candidates = flag !== undefined ? [flag] : [...roots.busyboxPaths, ...[await onPath('busybox', env)].filter((p): p is string => p !== undefined)];
  const dynamic: string[] = [];
  for (const path of candidates) {
    if (!(await isReadableFile(path))) continue;
    const linkage = await elfLinkage(path);
    if (linkage === 'static') return path;
    if (linkage === 'dynamic') dynamic.push(path);
  }
  if (dynamic.length > 0) throw new DiagnosticError(createDiagnostic(runCodes.noBusybox, 'dynamic', { paths: dynamic.join(', ') }));
  throw new DiagnosticError(createDiagnostic(runCodes.noBusybox, 'none', { places: flag !== undefined ? `--busybox ${flag}` : candidates.join(', ') }));
}
