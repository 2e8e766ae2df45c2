/**
 * A file's identity for "unchanged since cube last looked": device, inode, size, modification
 * and change times in nanoseconds (an edit in place moves the change time even when the
 * modification time is put back). And this boot's id, for what a crash may have invalidated.
 * Imports only Node: the up-to-date answer (src/cli/up-to-date.ts) uses it before the build loads.
 */
import type { BigIntStats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';

/** The identity of the file whose stat is `info`. */
export function identityOfStat(info: BigIntStats): string {
  return `${info.dev}:${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`;
}

/** The identity of the file at `path`, or undefined when there is none. */
export async function fileIdentity(path: string | Buffer): Promise<string | undefined> {
  const info = await stat(path, { bigint: true }).catch(() => undefined);
  return info ? identityOfStat(info) : undefined;
}

let bootId: Promise<string> | undefined;

/** This boot's id; where the kernel does not say, this process's (what it guards then holds for one process only). */
export function thisBoot(): Promise<string> {
  bootId ??= readFile('/proc/sys/kernel/random/boot_id', 'utf8').then(
    (text) => text.trim(),
    () => `pid-${process.pid}`,
  );
  return bootId;
}
