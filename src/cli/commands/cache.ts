/**
 * `cube cache ls|du|prune`: what the cache holds (image blobs, uncompressed layers, sealed
 * artifacts, flattened bases, plans, base images' facts, the stat cache), how much space each kind takes, and
 * pruning of entries not used for a number of days, or beyond a size, least recently used first.
 * Entries are touched whenever a build uses them.
 * A base's image shares its blocks with the artifact it was kept with: it counts where first seen.
 */
import { lstat, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { formatBytes } from '../../core/format.js';
import { parseSize } from '../../parser/index.js';
import { cacheDirOption, parseCommandArgs, usageError } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { ExitCode } from '../exit-codes.js';

const usage = `Usage: cube cache ls|du|prune [options]

  ls      list cache entries: kind, name, size, days since last use
  du      space taken per kind, and in total
  prune   remove entries not used for --keep-days days (default 30), and leftovers of
          interrupted writes; then, with --keep-storage, the least recently used entries
          until the cache takes at most SIZE; --all removes every entry

Options:
      --keep-days N    keep entries used in the last N days (prune)
      --keep-storage SIZE   keep at most SIZE (e.g. 20GiB), least recently used first out (prune)
      --all            remove everything (prune)
      --cache-dir DIR  cache directory (default $CUBE_CACHE_DIR, else $XDG_CACHE_HOME/cube)
`;

const options = { 'keep-days': { type: 'string' }, 'keep-storage': { type: 'string' }, all: { type: 'boolean' }, 'cache-dir': { type: 'string' } } as const;

const ACTIONS = ['ls', 'du', 'prune'] as const;

interface Entry {
  readonly kind: string;
  readonly name: string;
  readonly path: string;
  /** Space it takes, a file it shares with an entry listed before it not counted again. */
  readonly size: number;
  /** Its files' space by device and inode: what removing it frees once no other entry holds them (0 for a file held outside the cache). */
  readonly files: ReadonlyMap<string, number>;
  readonly mtimeMs: number;
  /** An unfinished temporary (a write that was interrupted). */
  readonly partial: boolean;
}

const KINDS: readonly [string, string][] = [
  ['blob', 'blobs/sha256'],
  ['layer', 'layers/sha256'],
  ['artifact', 'artifacts'],
  ['base', 'bases'],
  ['plan', 'plans'],
  ['facts', 'image-facts'],
  ['stat-cache', 'stat-cache'],
  ['stamp', 'stamps'],
];

/** A file under an entry: its space, and how many names it has anywhere (an output may hold it). */
interface FileSpace {
  readonly bytes: number;
  readonly nlink: number;
}

/** Adds every file under `path` to `into`, by device and inode. */
async function filesOf(path: string, into: Map<string, FileSpace>): Promise<void> {
  const info = await lstat(path);
  if (!info.isDirectory()) {
    into.set(`${info.dev}:${info.ino}`, { bytes: info.blocks * 512, nlink: info.nlink });
    return;
  }
  for (const name of await readdir(path)) await filesOf(join(path, name), into);
}

/**
 * Every entry of every kind. A file with several links (a flattened base's image) counts where
 * first seen. What removing entries frees counts a file only if every name it has is in the
 * cache: an image an output still holds keeps its blocks whatever is pruned.
 */
async function entries(cacheDir: string): Promise<Entry[]> {
  const found: { kind: string; name: string; path: string; files: Map<string, FileSpace>; mtimeMs: number }[] = [];
  for (const [kind, sub] of KINDS) {
    const dir = join(cacheDir, sub);
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names.sort()) {
      const path = join(dir, name);
      const files = new Map<string, FileSpace>();
      await filesOf(path, files);
      found.push({ kind, name, path, files, mtimeMs: (await lstat(path)).mtimeMs });
    }
  }
  const names = new Map<string, number>();
  for (const e of found) for (const file of e.files.keys()) names.set(file, (names.get(file) ?? 0) + 1);
  const seen = new Set<string>();
  return found.map((e) => {
    let size = 0;
    const files = new Map<string, number>();
    for (const [file, { bytes, nlink }] of e.files) {
      files.set(file, nlink > (names.get(file) as number) ? 0 : bytes);
      if (seen.has(file)) continue;
      seen.add(file);
      size += bytes;
    }
    return { kind: e.kind, name: e.name, path: e.path, size, files, mtimeMs: e.mtimeMs, partial: e.name.startsWith('.') };
  });
}

/** Space `kept` take together, each file once. */
function spaceOf(kept: readonly Entry[]): number {
  const files = new Map<string, number>();
  for (const e of kept) for (const [file, bytes] of e.files) files.set(file, bytes);
  let total = 0;
  for (const bytes of files.values()) total += bytes;
  return total;
}

/**
 * The least recently used of `kept` to remove so that the rest take at most `limit` (as `docker
 * builder prune --keep-storage`). Removing an entry frees only the files no remaining entry holds.
 * Unfinished writes are left to the age rule: a build may still be making them.
 */
function overStorage(kept: readonly Entry[], limit: number): Entry[] {
  const holders = new Map<string, number>();
  let total = 0;
  for (const e of kept) {
    for (const [file, bytes] of e.files) {
      const n = holders.get(file) ?? 0;
      if (n === 0) total += bytes;
      holders.set(file, n + 1);
    }
  }
  const victims: Entry[] = [];
  for (const e of [...kept].filter((k) => !k.partial).sort((a, b) => a.mtimeMs - b.mtimeMs)) {
    if (total <= limit) break;
    victims.push(e);
    for (const [file, bytes] of e.files) {
      const n = (holders.get(file) as number) - 1;
      holders.set(file, n);
      if (n === 0) total -= bytes;
    }
  }
  return victims;
}

async function run(args: readonly string[], context: CommandContext): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs('cache', args, options);
  const [action, ...rest] = positionals;
  if (rest.length > 0 || action === undefined || !(ACTIONS as readonly string[]).includes(action)) throw usageError('cache', 'cacheAction', {});
  const cacheDir = cacheDirOption(context, values['cache-dir']);
  const all = await entries(cacheDir);
  const now = Date.now();
  const days = (e: Entry): number => Math.floor((now - e.mtimeMs) / 86_400_000);
  if (action === 'ls') {
    for (const e of all) context.stdout.write(`${e.kind.padEnd(10)} ${e.name.padEnd(68)} ${formatBytes(e.size).padStart(10)}  ${days(e)}d${e.partial ? '  (unfinished)' : ''}\n`);
    return ExitCode.ok;
  }
  if (action === 'du') {
    let total = 0;
    for (const [kind] of KINDS) {
      const mine = all.filter((e) => e.kind === kind);
      const size = mine.reduce((n, e) => n + e.size, 0);
      total += size;
      context.stdout.write(`${kind.padEnd(10)} ${String(mine.length).padStart(6)} entries ${formatBytes(size).padStart(10)}\n`);
    }
    context.stdout.write(`${'total'.padEnd(10)} ${String(all.length).padStart(6)} entries ${formatBytes(total).padStart(10)}  (${cacheDir})\n`);
    return ExitCode.ok;
  }
  const keepText = values['keep-days'] ?? '30';
  if (!/^\d+$/.test(keepText)) throw usageError('cache', 'keepDays', { value: keepText });
  const keep = Number(keepText);
  const storageText = values['keep-storage'];
  const storage = storageText === undefined ? undefined : parseSize(storageText);
  if (storageText !== undefined && storage === undefined) throw usageError('cache', 'keepStorage', { value: storageText });
  const stale = all.filter((e) => values.all || (e.partial && now - e.mtimeMs > 3_600_000) || (!e.partial && days(e) >= keep));
  const gone = new Set(stale);
  if (storage !== undefined) for (const e of overStorage(all.filter((k) => !gone.has(k)), storage)) gone.add(e);
  for (const e of gone) await rm(e.path, { recursive: true, force: true });
  const freed = spaceOf(all) - spaceOf(all.filter((e) => !gone.has(e)));
  context.stdout.write(`removed ${gone.size} entries, ${formatBytes(freed)} freed\n`);
  return ExitCode.ok;
}

/** `cube cache`. */
export const cacheCommand: Command = { usage, options, completion: { words: ACTIONS }, run };
