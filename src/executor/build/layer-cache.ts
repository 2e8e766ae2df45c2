/**
 * Uncompressed layers kept in the cache, keyed by diffId. Flattening reads every layer twice
 * (headers, then surviving data), and a build without a flattened base for its layers reads
 * them again: with this cache the first read of a layer decompresses it once into
 * `<cacheDir>/layers/sha256/<hex>.tar` and every later read is a plain file read. Once verified
 * in this process, the file is offered as the layer's stored copy (`storedLayer`), which the
 * second pass reads at each surviving file's offset. Both directions are verified against the
 * diffId: a layer is stored only when the source's verified stream ended (a stream with wrong
 * bytes fails instead), and a stored layer that no longer hashes right is deleted and fails the
 * read. Within one process a stored layer is hashed once: a second read of the same unchanged
 * file (same inode, size, modification and change times), by the checks or by sealing, is not
 * hashed again.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { createDiagnostic, DiagnosticError } from '../../core/diagnostics/index.js';
import { buildCodes } from '../../core/diagnostics/codes-build.js';
import type { Digest } from '../../core/digest.js';
import { identityOfStat } from '../../core/file-identity.js';
import type { LayerSource, ProgressEvent, ResolvedImage } from '../../core/image.js';
import { temporaryPathFor, touch } from '../../core/paths.js';

/** Where the uncompressed layer `diffId` is kept. */
export function cachedLayerPath(cacheDir: string, diffId: Digest): string {
  return join(cacheDir, 'layers', 'sha256', `${diffId.slice('sha256:'.length)}.tar`);
}

function corrupt(diffId: Digest): DiagnosticError {
  return new DiagnosticError(
    createDiagnostic(buildCodes.layerCacheCorrupt, 'corrupt', { diffId }),
  );
}


/** The file's stat, or undefined when it is not there. */
function statOf(path: string): Promise<BigIntStats | undefined> {
  return stat(path, { bigint: true }).catch(() => undefined);
}

/**
 * Streams a stored layer, failing (and deleting it) if its bytes no longer hash to `diffId`;
 * `onVerified` runs once they did.
 */
function readVerified(path: string, diffId: Digest, onVerified: () => Promise<void>): Readable {
  const hash = createHash('sha256');
  const verify = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      callback(null, chunk);
    },
    flush(callback) {
      if (`sha256:${hash.digest('hex')}` === diffId) onVerified().then(() => callback(), callback);
      else rm(path, { force: true }).then(() => callback(corrupt(diffId)), callback);
    },
  });
  const file = createReadStream(path, { highWaterMark: 1 << 20 });
  file.on('error', (error) => verify.destroy(error));
  return file.pipe(verify);
}

/**
 * Passes `source` through, storing a copy that is renamed into place once the source has ended.
 * The source is a LayerSource stream, verified against `diffId` as it flows: it fails rather
 * than ends when its bytes are wrong, so an ended stream is the layer and needs no second hash.
 * `onStored` runs once the copy is in place.
 */
function readAndStore(source: Readable, path: string, onStored: () => Promise<void>): Readable {
  const temporary = temporaryPathFor(path);
  const file = createWriteStream(temporary);
  const tee = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (file.write(chunk)) callback(null, chunk);
      else file.once('drain', () => callback(null, chunk));
    },
    flush(callback) {
      file.end();
      finished(file)
        .then(async () => {
          // Not fsynced: every process hashes a stored layer before it trusts it (readVerified).
          await rename(temporary, path);
          await onStored();
        })
        .then(() => callback(), (error: unknown) => callback(error as Error));
    },
    destroy(error, callback) {
      // The partial copy goes once its descriptor is closed (it may still be opening).
      const remove = (): void => {
        rm(temporary, { force: true }).then(() => callback(error), () => callback(error));
      };
      if (file.closed) remove();
      else {
        file.once('close', remove);
        file.destroy();
      }
    },
  });
  source.on('error', (error) => tee.destroy(error));
  file.on('error', (error) => tee.destroy(error));
  return source.pipe(tee);
}

/**
 * The stored layers this process verified or wrote, by path: the identity each had then. The
 * checks and sealing read the same layers through sources of their own.
 */
const verified = new Map<string, string>();

/** A LayerSource that serves uncompressed layers from the cache, filling it on first use. */
export function cachingLayerSource(inner: LayerSource, cacheDir: string): LayerSource {
  const remember = (path: string) => async (): Promise<void> => {
    const info = await statOf(path);
    if (info) verified.set(path, identityOfStat(info));
  };
  return {
    async openLayer(image: ResolvedImage, index: number, onProgress?: (event: ProgressEvent) => void): Promise<Readable> {
      const layer = image.layers[index];
      if (!layer) throw new Error(`image has no layer ${index}`);
      const path = cachedLayerPath(cacheDir, layer.diffId);
      const stored = await statOf(path);
      if (stored) {
        if (verified.get(path) === identityOfStat(stored)) return createReadStream(path, { highWaterMark: 1 << 20 });
        // Touched before it is verified, so the signature recorded afterwards includes the touch.
        await touch(path);
        return readVerified(path, layer.diffId, remember(path));
      }
      await mkdir(join(cacheDir, 'layers', 'sha256'), { recursive: true });
      return readAndStore(await inner.openLayer(image, index, onProgress), path, remember(path));
    },
    async storedLayer(image: ResolvedImage, index: number): Promise<string | undefined> {
      const layer = image.layers[index];
      if (!layer) return undefined;
      const path = cachedLayerPath(cacheDir, layer.diffId);
      const stored = await statOf(path);
      return stored && verified.get(path) === identityOfStat(stored) ? path : undefined;
    },
    async prefetch(image: ResolvedImage, onProgress?: (event: ProgressEvent) => void): Promise<void> {
      if (!inner.prefetch) return;
      const missing: number[] = [];
      for (const [i, layer] of image.layers.entries()) {
        const stored = (await statOf(cachedLayerPath(cacheDir, layer.diffId))) !== undefined;
        if (!stored) missing.push(i);
      }
      if (missing.length > 0) await inner.prefetch(image, onProgress, missing);
    },
  };
}
