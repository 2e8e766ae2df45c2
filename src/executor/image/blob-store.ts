/**
 * The content-addressed blob store under the cache directory: `blobs/sha256/<hex>`. A blob is
 * written to a temporary name, verified (digest and size) while it streams in, fsynced and
 * renamed, so a reader never sees a partial or unverified blob; two processes storing the same
 * blob both succeed and one copy remains. A stored blob is re-verified before first use in a
 * process; a corrupt one (a bit flip on disk) is deleted and fetched again, never used.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { createDiagnostic, DiagnosticError } from '../../core/diagnostics/index.js';
import { imageCodes } from '../../core/diagnostics/codes-image.js';
import { sha256File } from '../../core/digest.js';
import type { Digest } from '../../core/digest.js';
import { tryLock } from '../../core/lock.js';
import { syncDirectory, touch } from '../../core/paths.js';

/** How a transfer reports progress and when it gives up. */
export interface TransferOptions {
  /** Called with the bytes received so far. */
  readonly onBytes?: (done: number) => void;
  /** A connection that sends nothing for this long is dropped and the transfer resumed. */
  readonly stallMs?: number;
  /** Connections tried before the run gives up (its partial download is kept for the next run). */
  readonly attempts?: number;
}

/** Opens the blob's bytes from `offset` (a registry GET, with a Range when offset > 0). */
export type BlobFetch = (offset: number) => Promise<Readable>;

const MAX_ATTEMPTS = 5;

/** Blobs by digest. */
export class BlobStore {
  readonly dir: string;
  readonly #verified = new Set<Digest>();

  constructor(cacheDir: string) {
    this.dir = join(cacheDir, 'blobs', 'sha256');
  }

  /** Where blob `digest` lives. */
  path(digest: Digest): string {
    return join(this.dir, digest.slice('sha256:'.length));
  }

  /** Whether the blob is stored and intact (checked once per process, by hashing it). */
  async has(digest: Digest, size?: number): Promise<boolean> {
    if (this.#verified.has(digest)) return true;
    const path = this.path(digest);
    await touch(path);
    const info = await stat(path).catch(() => undefined);
    if (!info) return false;
    if ((size !== undefined && info.size !== size) || (await sha256File(path)) !== digest) {
      await rm(path, { force: true });
      return false;
    }
    this.#verified.add(digest);
    return true;
  }

  /** A stream of a stored blob (call `has` first). */
  open(digest: Digest): Readable {
    return createReadStream(this.path(digest), { highWaterMark: 1 << 20 });
  }

  /**
   * Stores a blob fetched with `fetch`, resuming from what was received when a transfer breaks
   * (up to five attempts), and from what an interrupted earlier run left. `onBytes` reports
   * bytes received so far. Fails without leaving anything usable behind if the bytes do not match.
   */
  async fetchInto(digest: Digest, size: number, fetch: BlobFetch, transfer: TransferOptions = {}): Promise<void> {
    const { onBytes, stallMs = 60_000, attempts = MAX_ATTEMPTS } = transfer;
    if (await this.has(digest, size)) return;
    await mkdir(this.dir, { recursive: true });
    const { temporary, release } = await this.#partial(digest);
    // A download another run left unfinished resumes where it stopped (its bytes are hashed again).
    const hash = createHash('sha256');
    let received = 0;
    for await (const chunk of createReadStream(temporary, { highWaterMark: 1 << 20, flags: 'a+' })) {
      hash.update(chunk as Buffer);
      received += (chunk as Buffer).length;
    }
    const resumed = received > 0;
    const progress: TransferState = { digest, size, received, hash, stallMs, ...(onBytes ? { onBytes } : {}) };
    const handle = await open(temporary, 'r+');
    try {
      if (received > size) throw new DiagnosticError(createDiagnostic(imageCodes.digestMismatch, 'leftover', { digest, received, size }));
      // What reached the file counts even when a transfer breaks: the next attempt resumes there.
      await transferResumable(fetch, progress, attempts, async (data, at) => {
        await handle.write(data, 0, data.length, at);
      });
      const got = `sha256:${hash.digest('hex')}`;
      if (got !== digest) throw mismatch(digest, got);
      await handle.sync();
      await handle.close();
      await rename(temporary, this.path(digest));
      await release(false);
      await syncDirectory(this.dir);
      this.#verified.add(digest);
    } catch (error) {
      await handle.close().catch(() => {});
      // A transfer that broke keeps what it received (when this run owns the stable name), so the
      // next run resumes; the lock goes either way, whatever failed.
      const broken = error instanceof DiagnosticError && error.diagnostics[0]?.code === imageCodes.transferFailed.code;
      await release(broken);
      if (broken) throw error;
      // Bad bytes left by an earlier run are not this registry's fault: start once more, afresh.
      if (resumed && error instanceof DiagnosticError) return this.fetchInto(digest, size, fetch, transfer);
      throw error;
    }
  }

  /**
   * The temporary file for a download. The first process takes the stable name
   * `.<hex>.partial` (guarded by a `.lock` made with O_EXCL), so an interrupted run can resume
   * it; a second process pulling the same blob at the same time uses a private name.
   * `release(keep)` removes the lock, and the file unless `keep` (only a stable file is kept).
   */
  async #partial(digest: Digest): Promise<{ temporary: string; release: (keep: boolean) => Promise<void> }> {
    const hex = digest.slice('sha256:'.length);
    const stable = join(this.dir, `.${hex}.partial`);
    // A lock left by a run that died is taken over at once; a live one is respected.
    const unlock = await tryLock(join(this.dir, `.${hex}.lock`));
    if (unlock) {
      return {
        temporary: stable,
        release: async (keep) => {
          if (!keep) await rm(stable, { force: true });
          await unlock();
        },
      };
    }
    const temporary = join(this.dir, `.${hex.slice(0, 12)}-${randomBytes(4).toString('hex')}.partial`);
    return { temporary, release: async () => rm(temporary, { force: true }) };
  }

  /** Stores bytes already in memory (manifests, configs), verified. */
  async put(digest: Digest, bytes: Uint8Array): Promise<void> {
    if (this.#verified.has(digest)) return;
    const { Readable } = await import('node:stream');
    await this.fetchInto(digest, bytes.length, async () => Readable.from([Buffer.from(bytes)]));
  }
}

/** A download's progress: what reached the file so far (updated as it does), and what it reports. */
/** A transfer under way: how far it got, and the hash of what it received. */
export interface TransferState {
  readonly digest: Digest;
  readonly size: number;
  received: number;
  readonly hash: Hash;
  readonly stallMs: number;
  readonly onBytes?: (received: number) => void;
}

/**
 * Appends one transfer's bytes to the file at `handle` from `state.received` on, hashing them and
 * counting them in `state.received` as they are written. A connection that stays open but sends
 * nothing is dropped (and the transfer resumed by the caller); chunks are gathered into 1 MiB writes.
 */
/**
 * Fetches the rest of a blob from `state.received` on, over up to `attempts` connections, each
 * resuming where the last one stopped; `write` takes the bytes, at their offset in the blob, as
 * they arrive. A connection that sends nothing for `stallMs` is dropped. Too many bytes are
 * a digest mismatch (CUBE3104); too few after the last attempt, CUBE3110 naming what went wrong.
 */
export async function transferResumable(fetch: BlobFetch, state: TransferState, attempts: number, write: (data: Buffer, at: number) => Promise<void>): Promise<void> {
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts && state.received < state.size; attempt++) {
    try {
      await appendTransfer(await fetch(state.received), write, state);
      if (state.received < state.size) lastError = new Error(`connection closed after ${state.received} of ${state.size} bytes`);
    } catch (error) {
      if (error instanceof DiagnosticError) throw error;
      lastError = error;
    }
  }
  if (state.received < state.size) {
    const problem = (lastError as Error | undefined)?.message ?? 'no data';
    throw new DiagnosticError(createDiagnostic(imageCodes.transferFailed, 'incomplete', { digest: state.digest, received: state.received, size: state.size, attempts, problem }));
  }
}

async function appendTransfer(body: Readable, write: (data: Buffer, at: number) => Promise<void>, state: TransferState): Promise<void> {
  const { digest, size, hash, stallMs, onBytes } = state;
  let timer = setTimeout(() => body.destroy(new Error(`no data for ${stallMs} ms`)), stallMs);
  body.on('data', () => {
    clearTimeout(timer);
    timer = setTimeout(() => body.destroy(new Error(`no data for ${stallMs} ms`)), stallMs);
  });
  body.once('close', () => clearTimeout(timer));
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  // `received` counts only what reached the file.
  const flush = async (): Promise<void> => {
    if (pendingBytes === 0) return;
    const data = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    await write(data, state.received);
    hash.update(data);
    state.received += data.length;
    onBytes?.(state.received);
  };
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      if (state.received + pendingBytes + chunk.length > size) throw new DiagnosticError(createDiagnostic(imageCodes.digestMismatch, 'tooLong', { digest, size }));
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes >= 1 << 20) await flush();
    }
  } finally {
    await flush();
  }
}

function mismatch(digest: Digest, got: string): DiagnosticError {
  return new DiagnosticError(createDiagnostic(imageCodes.digestMismatch, 'blob', { digest, got }));
}
