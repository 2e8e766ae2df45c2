/**
 * Where cube keeps its state on the host, and the one way it writes a file that others may read:
 * to a temporary name beside the target, fsynced, then renamed, so a reader sees either nothing
 * or the whole file, never a prefix.
 */
import { createHash, randomBytes } from 'node:crypto';
import { open, readdir, rename, rm, mkdir, utimes } from 'node:fs/promises';
import { homedir, hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { processAlive } from './lock.js';

/** The variable that overrides the cache directory. */
export const CACHE_DIR_VARIABLE = 'CUBE_CACHE_DIR';

/** The cache directory: `$CUBE_CACHE_DIR`, else `$XDG_CACHE_HOME/cube`, else `~/.cache/cube`. */
export function cacheDirectory(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const explicit = env[CACHE_DIR_VARIABLE];
  if (explicit !== undefined && explicit !== '') return explicit;
  const xdg = env.XDG_CACHE_HOME;
  if (xdg !== undefined && xdg !== '') return join(xdg, 'cube');
  return join(homedir(), '.cache', 'cube');
}

/**
 * Creates the cache root private (0700), as Docker's and containerd's are: private images'
 * layers live under it. Called before anything is written there; an existing root is left as it is.
 */
export async function ensureCacheRoot(cacheDir: string): Promise<void> {
  await mkdir(cacheDir, { recursive: true, mode: 0o700 }).catch(() => undefined);
}

/** This host, shortly: temporaries name it, so a cache shared between hosts is never cleaned across them. */
const HOST = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);
/** `.<pid>-<host>.<random>.tmp`. */
const TEMPORARY = /^\.(\d+)-([0-9a-f]{8})\.[0-9a-f]{12}\.tmp$/;

/**
 * A fresh temporary name beside `path` (same directory, so the final rename is atomic). It names
 * this process, so a later run can tell a temporary that a killed process left behind.
 */
export function temporaryPathFor(path: string): string {
  return join(dirname(path), `.${process.pid}-${HOST}.${randomBytes(6).toString('hex')}.tmp`);
}

/**
 * Removes the temporaries (files or staged directories) in `dir` that processes of this host
 * which no longer exist left behind (kill -9, a crash); returns how many. A missing `dir` has none.
 */
export async function removeDeadTemporaries(dir: string): Promise<number> {
  const names = await readdir(dir).catch(() => [] as string[]);
  let removed = 0;
  for (const name of names) {
    const match = TEMPORARY.exec(name);
    if (!match || match[2] !== HOST || processAlive(Number(match[1]))) continue;
    await rm(join(dir, name), { recursive: true, force: true });
    removed++;
  }
  return removed;
}

/**
 * Writes `data` to `path` atomically: temporary file, fsync, rename, fsync of the directory.
 * Parent directories are created. On failure the temporary file is removed.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = temporaryPathFor(path);
  try {
    const handle = await open(temporary, 'w', 0o644);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  await syncDirectory(dirname(path));
}

/** Fsyncs a directory so a rename inside it survives a crash; a no-op where directories cannot be opened. */
export async function syncDirectory(path: string): Promise<void> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch {
    return;
  }
  try {
    await handle.sync();
  } catch {
    // Some filesystems refuse fsync on a directory; the rename is still atomic there.
  } finally {
    await handle.close();
  }
}

/** Marks a cache entry as used now (for `cube cache prune`); a failure only affects pruning. */
export async function touch(path: string): Promise<void> {
  const now = new Date();
  await utimes(path, now, now).catch(() => {});
}
