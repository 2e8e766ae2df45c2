/**
 * `Cubefile.lock`, beside the build file: the digest each image reference resolved to, so a
 * build means the same thing tomorrow. By default a locked reference is used at its locked
 * digest and a new one is resolved and recorded; `--refresh` re-resolves everything;
 * `--locked` resolves and fails on any difference, writing nothing.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import type { ImageRef, Platform } from '../core/build-spec.js';
import { createDiagnostic, catalogText, DiagnosticError } from '../core/diagnostics/index.js';
import type { Span } from '../core/diagnostics/index.js';
import { planCodes } from '../core/diagnostics/codes-plan.js';
import { digestSchema } from '../core/digest.js';
import type { Digest } from '../core/digest.js';
import type { ImageResolver, ResolvedImage } from '../core/image.js';
import { writeFileAtomic } from '../core/paths.js';
import { formatImageRef } from '../parser/image-ref.js';

/** How the lockfile is used. */
export type LockMode = 'update' | 'locked' | 'refresh';

const digest = digestSchema;
const lockSchema = z.object({
  version: z.literal(1),
  images: z.record(z.string(), z.object({ manifest: digest, config: digest, index: digest.optional() }).strict()),
});
type LockData = z.infer<typeof lockSchema>;

/** The lockfile path for a build file. */
export function lockfilePath(buildFile: string): string {
  return join(dirname(buildFile), 'Cubefile.lock');
}

function keyOf(ref: ImageRef, platform: Platform | undefined): string {
  const p = platform ? `${platform.os}/${platform.architecture}${platform.variant ? `/${platform.variant}` : ''}` : 'host';
  return `${formatImageRef(ref)} ${p}`;
}

async function readLock(path: string): Promise<LockData> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return { version: 1, images: {} };
  }
  try {
    return lockSchema.parse(JSON.parse(text));
  } catch {
    throw new DiagnosticError(createDiagnostic(planCodes.badLockfile, 'invalid', { path }));
  }
}

/** Resolves the base image under the lock mode; records new or refreshed digests. */
export async function resolveLocked(options: {
  readonly ref: ImageRef;
  readonly platform?: Platform;
  readonly resolver: ImageResolver;
  readonly contextDir: string;
  readonly buildFile: string;
  readonly mode: LockMode;
  readonly span?: Span;
  /** Checks a resolved image before anything is recorded; throws to refuse it. */
  readonly accept?: (image: ResolvedImage) => void;
}): Promise<{ image: ResolvedImage; pinned: boolean }> {
  const path = lockfilePath(options.buildFile);
  const lock = await readLock(path);
  const key = keyOf(options.ref, options.platform);
  const entry = lock.images[key];
  const resolveOptions = { contextDir: options.contextDir, ...(options.platform ? { platform: options.platform } : {}) };
  const where = options.span ? { span: options.span } : {};
  // A source's error is about the FROM line: point at it, unless it points somewhere already.
  const atFrom = (error: unknown, extra: { hint?: string } = {}): unknown =>
    error instanceof DiagnosticError ? new DiagnosticError(error.diagnostics.map((d) => ({ ...where, ...d, ...extra }))) : error;
  if (options.mode === 'update' && entry) {
    const pinnedRef = pin(options.ref, entry.manifest as Digest);
    const hint = catalogText(planCodes.lockMismatch, 'pinned', { ref: formatImageRef(options.ref), pinned: entry.manifest });
    const image = await options.resolver.resolve(pinnedRef, resolveOptions).catch((error: unknown) => {
      throw atFrom(error, { hint });
    });
    options.accept?.(image);
    return { image: { ...image, ref: options.ref }, pinned: true };
  }
  const image = await options.resolver.resolve(options.ref, resolveOptions).catch((error: unknown) => {
    throw atFrom(error);
  });
  options.accept?.(image);
  const fresh = { manifest: image.manifestDigest, config: image.configDigest, ...(image.indexDigest ? { index: image.indexDigest } : {}) };
  if (options.mode === 'locked') {
    if (!entry) throw new DiagnosticError(createDiagnostic(planCodes.lockMissing, 'missing', { ref: formatImageRef(options.ref), path }, where));
    if (entry.manifest !== fresh.manifest) {
      throw new DiagnosticError(
        createDiagnostic(planCodes.lockMismatch, 'moved', { ref: formatImageRef(options.ref), fresh: fresh.manifest, pinned: entry.manifest }, where),
      );
    }
    return { image, pinned: true };
  }
  if (!entry || entry.manifest !== fresh.manifest || entry.config !== fresh.config || entry.index !== fresh.index) {
    const images = { ...lock.images, [key]: fresh };
    const sorted = Object.fromEntries(Object.keys(images).sort().map((k) => [k, images[k]]));
    await writeFileAtomic(path, JSON.stringify({ version: 1, images: sorted }, null, 2) + '\n');
  }
  return { image, pinned: false };
}

/** The manifest digest Cubefile.lock records for a reference, without resolving or writing anything. */
export async function lockedManifest(buildFile: string, ref: ImageRef, platform: Platform | undefined): Promise<Digest | undefined> {
  const lock = await readLock(lockfilePath(buildFile));
  return lock.images[keyOf(ref, platform)]?.manifest as Digest | undefined;
}

function pin(ref: ImageRef, manifest: Digest): ImageRef {
  if (ref.transport === 'docker-archive') return ref;
  return { ...ref, digest: manifest };
}
