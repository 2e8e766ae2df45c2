/**
 * Uncompressed layers kept in the cache, keyed by diffId. Flattening reads every layer twice
 * (headers, then surviving data), and a build that changes only envd or a COPY source reseals
 * from the same layers: with this cache the first read of a layer decompresses it once into
 * `<cacheDir>/layers/sha256/<hex>.tar` and every later read is a plain file read. Both directions
 * are verified against the diffId: a layer is stored only when its bytes hash right, and a
 * stored layer that no longer does is deleted and fails the read.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { createDiagnostic, DiagnosticError } from '../../core/diagnostics/index.js';
import { buildCodes } from '../../core/diagnostics/codes-build.js';
import type { Digest } from '../../core/digest.js';
import type { LayerSource, ProgressEvent, ResolvedImage } from '../../core/image.js';
import { temporaryPathFor, touch } from '../../core/paths.js';

/** Where the uncompressed layer `diffId` is kept. */
export function cachedLayerPath(cacheDir: string, diffId: Digest): string {
  return join(cacheDir, 'layers', 'sha256', `${diffId.slice('sha256:'.length)}.tar`);
}

function corrupt(diffId: Digest): DiagnosticError {
  return new DiagnosticError(
    createDiagnostic(buildCodes.layerCacheCorrupt, `the cached uncompressed layer ${diffId} does not match its digest; it has been removed`),
  );
}

/** Streams a stored layer, failing (and deleting it) if its bytes no longer hash to `diffId`. */
function readVerified(path: string, diffId: Digest): Readable {
  const hash = createHash('sha256');
  const verify = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      callback(null, chunk);
    },
    flush(callback) {
      if (`sha256:${hash.digest('hex')}` === diffId) callback();
      else rm(path, { force: true }).then(() => callback(corrupt(diffId)), callback);
    },
  });
  const file = createReadStream(path, { highWaterMark: 1 << 20 });
  file.on('error', (error) => verify.destroy(error));
  return file.pipe(verify);
}

/** Passes `source` through, storing a copy that is renamed into place only if it hashes to `diffId`. */
function readAndStore(source: Readable, path: string, diffId: Digest): Readable {
  const temporary = temporaryPathFor(path);
  const hash = createHash('sha256');
  const file = createWriteStream(temporary);
  const discard = (): void => {
    file.destroy();
    void rm(temporary, { force: true });
  };
  const tee = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      if (file.write(chunk)) callback(null, chunk);
      else file.once('drain', () => callback(null, chunk));
    },
    flush(callback) {
      file.end();
      finished(file)
        .then(async () => {
          if (`sha256:${hash.digest('hex')}` !== diffId) {
            await rm(temporary, { force: true });
            return;
          }
          const handle = await open(temporary, 'r');
          await handle.sync().finally(() => handle.close());
          await rename(temporary, path);
        })
        .then(() => callback(), (error: unknown) => callback(error as Error));
    },
    destroy(error, callback) {
      discard();
      callback(error);
    },
  });
  source.on('error', (error) => tee.destroy(error));
  file.on('error', (error) => tee.destroy(error));
  return source.pipe(tee);
}

/** A LayerSource that serves uncompressed layers from the cache, filling it on first use. */
export function cachingLayerSource(inner: LayerSource, cacheDir: string): LayerSource {
  return {
    async openLayer(image: ResolvedImage, index: number, onProgress?: (event: ProgressEvent) => void): Promise<Readable> {
      const layer = image.layers[index];
      if (!layer) throw new Error(`image has no layer ${index}`);
      const path = cachedLayerPath(cacheDir, layer.diffId);
      const stored = await open(path, 'r').then(
        async (handle) => {
          await handle.close();
          return true;
        },
        () => false,
      );
      if (stored) {
        await touch(path);
        return readVerified(path, layer.diffId);
      }
      await mkdir(join(cacheDir, 'layers', 'sha256'), { recursive: true });
      return readAndStore(await inner.openLayer(image, index, onProgress), path, layer.diffId);
    },
    async prefetch(image: ResolvedImage, onProgress?: (event: ProgressEvent) => void): Promise<void> {
      if (!inner.prefetch) return;
      const missing: number[] = [];
      for (const [i, layer] of image.layers.entries()) {
        const stored = await stat(cachedLayerPath(cacheDir, layer.diffId)).then(() => true, () => false);
        if (!stored) missing.push(i);
      }
      if (missing.length > 0) await inner.prefetch(image, onProgress, missing);
    },
  };
}
