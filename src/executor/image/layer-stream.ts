/**
 * A layer blob as an uncompressed, verified tar stream: the compressed bytes are checked against
 * the layer digest and size, the uncompressed ones against the config's diffId. A mismatch fails
 * the stream with a diagnostic naming the layer, so no unverified byte is ever trusted beyond it.
 */
import { createHash } from 'node:crypto';
import { PassThrough, Transform } from 'node:stream';
import type { Duplex, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { createDiagnostic, DiagnosticError } from '../../core/diagnostics/index.js';
import { imageCodes } from '../../core/diagnostics/codes-image.js';
import type { Digest } from '../../core/digest.js';
import type { LayerDescriptor } from '../../core/image.js';
import { layerCompression } from './media-types.js';
import { zstdDecompressor } from './zstd-stream.js';

function mismatch(what: string, expected: Digest, got: string): DiagnosticError {
  return new DiagnosticError(createDiagnostic(imageCodes.digestMismatch, 'content', { what, expected, got }));
}

/** A pass-through that fails unless exactly `size` bytes hashing to `digest` flow through. */
export function verifier(digest: Digest, size: number | undefined, what: string, onBytes?: (done: number) => void): Transform {
  const hash = createHash('sha256');
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (size !== undefined && seen > size) {
        callback(mismatch(what, digest, `more than the ${size} bytes its descriptor gives`));
        return;
      }
      hash.update(chunk);
      onBytes?.(seen);
      callback(null, chunk);
    },
    flush(callback) {
      if (size !== undefined && seen !== size) {
        callback(mismatch(what, digest, `${seen} bytes where the descriptor gives ${size}`));
        return;
      }
      const got = `sha256:${hash.digest('hex')}`;
      callback(got === digest ? null : mismatch(what, digest, got));
    },
  });
}

/** Joins stages so an error in any of them reaches the returned end stream. */
function chain(first: Readable, ...rest: Duplex[]): Readable {
  let current: Readable = first;
  for (const next of rest) {
    current.on('error', (error) => next.destroy(error));
    current = current.pipe(next);
  }
  return current;
}

/**
 * Turns the compressed blob stream of `layer` into its verified uncompressed tar stream.
 * `onBytes` reports compressed bytes read.
 */
export function uncompressedLayer(blob: Readable, layer: LayerDescriptor, onBytes?: (done: number) => void): Readable {
  const compression = layerCompression(layer.mediaType);
  if (compression === undefined) {
    blob.destroy();
    throw new DiagnosticError(
      createDiagnostic(imageCodes.unsupportedLayer, 'mediaType', { digest: layer.digest, mediaType: layer.mediaType }),
    );
  }
  const stages: Duplex[] = [verifier(layer.digest, layer.size, `layer ${layer.digest}`, onBytes)];
  // Large output chunks: every later stage (hash, cache copy, tar parser) pays per chunk.
  if (compression === 'gzip') stages.push(createGunzip({ chunkSize: 1 << 20 }));
  else if (compression === 'zstd') stages.push(zstdDecompressor(layer.digest));
  stages.push(verifier(layer.diffId, undefined, `uncompressed layer ${layer.digest} (diffId)`));
  const out = chain(blob, ...stages);
  const wrapped = new PassThrough({ highWaterMark: 1 << 20 });
  out.on('error', (error) => {
    const known = error instanceof DiagnosticError ? error : new DiagnosticError(createDiagnostic(imageCodes.digestMismatch, 'decompress', { digest: layer.digest, problem: error.message }));
    wrapped.destroy(known);
  });
  return out.pipe(wrapped);
}
