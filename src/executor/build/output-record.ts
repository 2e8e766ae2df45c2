/**
 * What cube last put at an output path: the image's digest and the file's identity right after
 * it was placed (device, inode, size, modification and change times, in nanoseconds). A later
 * build skips the copy only when the file there is still that file, untouched: an edit in place
 * changes the change time even if the modification time is put back. Images are not fsynced, so
 * a record also names the boot it was made in: after a crash or a reboot nothing it says is
 * trusted, and the output is copied (and hashed) again. Records live in the cache (`outputs/`),
 * keyed by the output path, so output directories hold only the outputs.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Digest } from '../../core/digest.js';
import { fileIdentity, thisBoot } from '../../core/file-identity.js';
import { writeFileAtomic } from '../../core/paths.js';

function recordPath(cacheDir: string, target: string): string {
  return join(cacheDir, 'outputs', `${createHash('sha256').update(target).digest('hex')}.json`);
}

async function identity(target: string): Promise<string | undefined> {
  const file = await fileIdentity(target);
  return file ? `${await thisBoot()}:${file}` : undefined;
}

/** Records that `target` now is the image `sha256`. A failure only costs a copy next time. */
export async function recordOutput(cacheDir: string, target: string, sha256: Digest): Promise<void> {
  const file = await identity(target);
  if (file) await writeFileAtomic(recordPath(cacheDir, target), JSON.stringify({ target, sha256, file }) + '\n').catch(() => undefined);
}

/** Whether `target` is, untouched, the image `sha256` that cube placed there. */
export async function outputIs(cacheDir: string, target: string, sha256: Digest): Promise<boolean> {
  const [text, file] = await Promise.all([readFile(recordPath(cacheDir, target), 'utf8').catch(() => undefined), identity(target)]);
  if (!text || !file) return false;
  try {
    const record = JSON.parse(text) as { target?: unknown; sha256?: unknown; file?: unknown };
    return record.target === target && record.sha256 === sha256 && record.file === file;
  } catch {
    return false;
  }
}
