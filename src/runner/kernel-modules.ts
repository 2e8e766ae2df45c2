/**
 * The kernel modules the guest init loads, taken from the host's `/lib/modules/<release>`.
 * Distribution kernels build the drivers `cube run` needs (virtio-pci, virtio-pmem and nd_pmem,
 * virtio-blk, virtio-net, ext4, overlayfs) as modules; which ones is read from the kernel's own
 * indexes, never assumed: `modules.builtin` (compiled in, nothing to load), `modules.dep` (each
 * module's dependencies) and `modules.softdep` with `modules.alias` (ext4's `pre: crypto-crc32c`).
 * Modules come out in load order, dependencies first, decompressed on the host.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { decompress as zstdDecompress } from 'fzstd';
import { createDiagnostic, DiagnosticError } from '../core/diagnostics/index.js';
import { runCodes } from '../core/diagnostics/catalog.js';

/** The drivers a boot needs: the PCI transport, both disk modes, the network, the filesystems. */
export const REQUIRED_DRIVERS: readonly string[] = ['virtio_pci', 'virtio_pmem', 'nd_pmem', 'virtio_blk', 'virtio_net', 'ext4', 'overlay'];

/** What a kernel's module indexes say. */
export interface ModuleIndex {
  /** Module name → its file (relative to the modules directory) and the names it depends on. */
  readonly modules: ReadonlyMap<string, { readonly path: string; readonly deps: readonly string[] }>;
  /** Names compiled into the kernel. */
  readonly builtin: ReadonlySet<string>;
  /** Module name → the names or aliases to load before it. */
  readonly softdeps: ReadonlyMap<string, readonly string[]>;
  /** Alias → the module names it stands for. */
  readonly aliases: ReadonlyMap<string, readonly string[]>;
}

/** What to do for a list of drivers. */
export interface ModulePlan {
  /** Modules to insert, in this order. */
  readonly load: readonly { readonly name: string; readonly path: string }[];
  readonly builtin: readonly string[];
  /** Drivers neither built in nor available as a module. */
  readonly missing: readonly string[];
}

/** `kernel/fs/ext4/ext4.ko.xz` → `ext4`; dashes become underscores, as the kernel names modules. */
export function moduleName(path: string): string {
  return basename(path).replace(/\.ko(?:\.(?:xz|zst|gz))?$/, '').replace(/-/g, '_');
}

async function lines(path: string): Promise<string[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#'));
}

/** Reads the indexes of a modules directory (`modules.dep` must exist; the others may not). */
export async function readModuleIndex(dir: string): Promise<ModuleIndex> {
  const modules = new Map<string, { path: string; deps: string[] }>();
  for (const line of await lines(join(dir, 'modules.dep'))) {
    const [path = '', deps = ''] = line.split(':');
    modules.set(moduleName(path), { path, deps: deps.trim().split(/\s+/).filter(Boolean).map(moduleName) });
  }
  const builtin = new Set((await lines(join(dir, 'modules.builtin'))).map(moduleName));
  const softdeps = new Map<string, string[]>();
  for (const line of await lines(join(dir, 'modules.softdep'))) {
    const words = line.trim().split(/\s+/);
    if (words[0] !== 'softdep' || words[1] === undefined) continue;
    const pre = words.indexOf('pre:');
    if (pre === -1) continue;
    const post = words.indexOf('post:');
    softdeps.set(moduleName(words[1]), words.slice(pre + 1, post > pre ? post : undefined));
  }
  // Only the aliases that soft dependencies name are kept: modules.alias is tens of thousands of lines.
  const wanted = new Set([...softdeps.values()].flat());
  const aliases = new Map<string, string[]>();
  for (const line of await lines(join(dir, 'modules.alias'))) {
    const [keyword, alias, module] = line.split(/\s+/);
    if (keyword !== 'alias' || alias === undefined || module === undefined || !wanted.has(alias)) continue;
    aliases.set(alias, [...(aliases.get(alias) ?? []), moduleName(module)]);
  }
  return { modules, builtin, softdeps, aliases };
}

/**
 * The modules to load for `drivers`, dependencies (and soft dependencies) before the modules that
 * need them, each once. A soft dependency that resolves to nothing is skipped, as modprobe does;
 * of several modules behind one alias, the `_generic` one is taken, which every CPU can run.
 */
export function planModules(index: ModuleIndex, drivers: readonly string[]): ModulePlan {
  const load: { name: string; path: string }[] = [];
  const builtin: string[] = [];
  const missing: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string, required: boolean): void => {
    if (seen.has(name)) return;
    seen.add(name);
    const module = index.modules.get(name);
    if (module === undefined) {
      if (index.builtin.has(name)) builtin.push(name);
      else if (required) missing.push(name);
      return;
    }
    for (const soft of index.softdeps.get(name) ?? []) {
      const candidates = index.aliases.get(soft) ?? [moduleName(soft)];
      if (candidates.some((c) => index.builtin.has(c))) continue;
      const pick = candidates.find((c) => c.endsWith('_generic') && index.modules.has(c)) ?? candidates.find((c) => index.modules.has(c));
      if (pick !== undefined) visit(pick, false);
    }
    for (const dep of module.deps) visit(dep, true);
    load.push({ name, path: module.path });
  };
  for (const driver of drivers) visit(moduleName(driver), true);
  return { load, builtin, missing };
}

/**
 * A module file's bytes, decompressed: gzip with zlib, zstd with fzstd, xz with the busybox the
 * guest uses anyway (Node has no xz decoder, and busybox-static always has `xzcat`).
 */
export async function readModule(path: string, busybox: string): Promise<Buffer> {
  try {
    if (path.endsWith('.xz')) {
      const { stdout } = await promisify(execFile)(busybox, ['xzcat', path], { encoding: 'buffer', maxBuffer: 1 << 28 });
      return stdout;
    }
    const data = await readFile(path);
    if (path.endsWith('.gz')) return gunzipSync(data);
    if (path.endsWith('.zst')) return Buffer.from(zstdDecompress(data));
    return data;
  } catch (error) {
    // A damaged module file, or a --busybox without xzcat: the host's parts, not a bug in cube.
    const why = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new DiagnosticError(createDiagnostic(runCodes.noKernelModules, path.endsWith('.xz') ? 'unreadableXz' : 'unreadable', { path, reason: why ?? '', busybox }));
  }
}
