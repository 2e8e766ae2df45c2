/**
 * `cube cache ls|du|prune`: what the cache holds (image blobs, uncompressed layers, sealed
 * artifacts, flattened bases, plans, base images' facts, the stat cache), how much space each kind takes, and
 * pruning of entries not used for a number of days. Entries are touched whenever a build uses them.
 * A base's image shares its blocks with the artifact it was kept with: it counts where first seen.
 */
import { lstat, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { formatBytes } from '../../core/format.js';
import { cacheDirOption, parseCommandArgs, usageError } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { ExitCode } from '../exit-codes.js';

const usage = `Usage: cube cache ls|du|prune [options]

  ls      list cache entries: kind, name, size, days since last use
  du      space taken per kind, and in total
  prune   remove entries not used for --keep-days days (default 30), and leftovers of
          interrupted writes; --all removes every entry

Options:
      --keep-days N    keep entries used in the last N days (prune)
      --all            remove everything (prune)
      --cache-dir DIR  cache directory (default $CUBE_CACHE_DIR, else $XDG_CACHE_HOME/cube)
`;

const options = { 'keep-days': { type: 'string' }, all: { type: 'boolean' }, 'cache-dir': { type: 'string' } } as const;

const ACTIONS = ['ls', 'du', 'prune'] as const;

interface Entry {
  readonly kind: string;
  readonly name: string;
  readonly path: string;
  readonly size: number;
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

/** Space taken under `path`; a file with several links (a flattened base's image) counts once, where first seen. */
async function sizeOf(path: string, seen: Set<string>): Promise<number> {
  const info = await lstat(path);
  if (!info.isDirectory()) {
    if (info.nlink > 1) {
      const inode = `${info.dev}:${info.ino}`;
      if (seen.has(inode)) return 0;
      seen.add(inode);
    }
    return info.blocks * 512;
  }
  let total = 0;
  for (const name of await readdir(path)) total += await sizeOf(join(path, name), seen);
  return total;
}

async function entries(cacheDir: string): Promise<Entry[]> {
  const out: Entry[] = [];
  const seen = new Set<string>();
  for (const [kind, sub] of KINDS) {
    const dir = join(cacheDir, sub);
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names.sort()) {
      const path = join(dir, name);
      const info = await lstat(path);
      out.push({ kind, name, path, size: await sizeOf(path, seen), mtimeMs: info.mtimeMs, partial: name.startsWith('.') });
    }
  }
  return out;
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
  const stale = all.filter((e) => values.all || (e.partial && now - e.mtimeMs > 3_600_000) || (!e.partial && days(e) >= keep));
  let freed = 0;
  for (const e of stale) {
    await rm(e.path, { recursive: true, force: true });
    freed += e.size;
  }
  context.stdout.write(`removed ${stale.length} entries, ${formatBytes(freed)} freed\n`);
  return ExitCode.ok;
}

/** `cube cache`. */
export const cacheCommand: Command = { usage, options, completion: { words: ACTIONS }, run };
