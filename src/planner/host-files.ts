/**
 * Hashing host files once, with a stat cache: a file whose size, mtime, ctime and inode are
 * unchanged since it was last hashed is not read again; any change means a fresh read. The
 * cache is one JSON file in the cache directory, written atomically.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';
import { join } from 'node:path';
import type { Digest } from '../core/digest.js';
import { identityOfStat } from '../core/file-identity.js';
import { fsPath } from '../core/names.js';
import { writeFileAtomic } from '../core/paths.js';

const RACY_WINDOW_NS = 2_000_000_000n;

interface Entry {
  readonly size: string;
  readonly mtime: string;
  readonly ctime: string;
  readonly ino: string;
  readonly digest: Digest;
}

/** Hashes host files, reusing digests of files whose stat is unchanged. */
export class HostFileHasher {
  readonly #path: string;
  #entries = new Map<string, Entry>();
  /** Every digest taken in this process, settled or not, so one run never hashes a file twice. */
  readonly #seen = new Map<string, Entry>();
  #dirty = false;
  /** Files actually read (for tests and --explain). */
  reads = 0;
  /** Every file digested in this process and directory listed for it, with its identity then (see core/stamp.ts). */
  readonly looked = new Map<string, string>();

  constructor(cacheDir: string) {
    this.#path = join(cacheDir, 'stat-cache', 'v1.json');
  }

  /** Loads the cache; a missing or damaged cache file is simply empty. */
  async load(): Promise<void> {
    try {
      const data = JSON.parse(await readFile(this.#path, 'utf8')) as Record<string, Entry>;
      this.#entries = new Map(Object.entries(data));
    } catch {
      this.#entries = new Map();
    }
  }

  /** Notes that the build listed directory `path` (its identity is taken when the build is stamped). */
  listed(path: string): void {
    if (!this.looked.has(path)) this.looked.set(path, '');
  }

  /** Writes the cache back if anything changed. Best effort: a read-only cache only costs speed. */
  async save(): Promise<void> {
    if (!this.#dirty) return;
    try {
      await writeFileAtomic(this.#path, JSON.stringify(Object.fromEntries([...this.#entries].sort(([a], [b]) => a.localeCompare(b)))));
      this.#dirty = false;
    } catch {
      // The stat cache is an optimisation; failing to write it must not fail the build.
    }
  }

  /** The digest of the file at `path` (absolute) whose stat is `stat`. */
  async digest(path: string, stat: BigIntStats): Promise<Digest> {
    this.looked.set(path, identityOfStat(stat));
    const key = { size: String(stat.size), mtime: String(stat.mtimeNs), ctime: String(stat.ctimeNs), ino: String(stat.ino) };
    for (const cached of [this.#seen.get(path), this.#entries.get(path)]) {
      if (cached && cached.size === key.size && cached.mtime === key.mtime && cached.ctime === key.ctime && cached.ino === key.ino) return cached.digest;
    }
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(fsPath(path), { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
    this.reads++;
    const digest: Digest = `sha256:${hash.digest('hex')}`;
    this.#seen.set(path, { ...key, digest });
    // A file modified in the last seconds could change again within the same mtime tick
    // (git's "racily clean" case), so only settled files are remembered.
    if (BigInt(Date.now()) * 1_000_000n - stat.mtimeNs > RACY_WINDOW_NS) {
      this.#entries.set(path, { ...key, digest });
      this.#dirty = true;
    }
    return digest;
  }
}
