/**
 * Lock files: created with O_EXCL and holding `pid host`, so a lock left by a process that died
 * (kill -9, a crash, a machine reset) is recognised and taken over at once rather than blocking
 * everyone until a timeout. A lock from another host (a cache on shared storage) cannot be
 * checked that way and is taken over only when it is old.
 */
import { hostname } from 'node:os';
import { open, readFile, rm, stat } from 'node:fs/promises';

/** A lock whose owner cannot be checked is taken over after this long. */
const STALE_MS = 10 * 60 * 1000;
/** How often a waiting process looks again. */
const POLL_MS = 100;

/** Gives the lock back. */
export type Release = () => Promise<void>;

/** Whether process `pid` exists on this host. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the lock at `path` belongs to nobody any more. */
async function isStale(path: string): Promise<boolean> {
  const [text, info] = await Promise.all([readFile(path, 'utf8').catch(() => ''), stat(path).catch(() => undefined)]);
  if (!info) return true;
  const [pid, host] = text.trim().split(' ');
  if (host === hostname() && pid !== undefined && /^\d+$/.test(pid)) return !processAlive(Number(pid));
  return Date.now() - info.mtimeMs > STALE_MS;
}

/** Takes the lock at `path`, or returns undefined when a live process holds it. */
export async function tryLock(path: string): Promise<Release | undefined> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const file = await open(path, 'wx', 0o600);
      try {
        await file.writeFile(`${process.pid} ${hostname()}\n`);
      } finally {
        await file.close();
      }
      return () => rm(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (!(await isStale(path))) return undefined;
      await rm(path, { force: true });
    }
  }
  return undefined;
}

/** Takes the lock at `path`, waiting while a live process holds it; `onWait` is called once if it must wait. */
export async function lock(path: string, onWait?: () => void): Promise<Release> {
  for (let waited = false; ; waited = true) {
    const release = await tryLock(path);
    if (release) return release;
    if (!waited) onWait?.();
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
