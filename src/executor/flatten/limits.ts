/**
 * What reading an image's layers may cost, so that no image makes cube run out of memory or
 * time: how deep a path goes, how many entries the layers hold, and how many bytes one layer and
 * all of them expand to. By default a layer may expand to 64 times its compressed size plus
 * 1 GiB, so a compression bomb stops early while real layers (rarely past 10 times) pass. Every
 * refusal names the limit and the option that raises it.
 */
import { Transform } from 'node:stream';
import type { Readable } from 'node:stream';
import { createDiagnostic, DiagnosticError } from '../../core/diagnostics/index.js';
import { buildCodes } from '../../core/diagnostics/codes-build.js';
import type { Digest } from '../../core/digest.js';
import { formatBytes } from '../../core/format.js';

/** Limits of one flattening; each has a default. */
export interface FlattenLimits {
  /** Most components in a path (`--max-path-depth`). */
  readonly maxPathDepth?: number;
  /** Most tar entries in all layers together (`--max-entries`). */
  readonly maxEntries?: number;
  /** Most uncompressed bytes of any one layer (`--max-layer-bytes`); default 64 × its compressed size + 1 GiB. */
  readonly maxLayerBytes?: number;
  /** Most uncompressed bytes of all layers together (`--max-image-bytes`); default 64 × their compressed size + 1 GiB. */
  readonly maxImageBytes?: number;
}

/** The default limits, and the expansion the byte limits allow by default. */
export const DEFAULT_LIMITS = { maxPathDepth: 256, maxEntries: 200_000, expansion: 64, floor: 1024 ** 3 } as const;

/** A layer as the limits see it: its digest and, when known, its compressed size. */
interface MeteredLayer {
  readonly digest: Digest;
  readonly size?: number;
}

/** A byte limit: how many bytes, and the compressed size it is the default multiple of (none when an option set it). */
interface ByteLimit {
  readonly bytes: number;
  readonly compressed?: number;
}

/** The diagnostic for bytes past `limit`: of one layer, or of the layers up to `digest`. */
function overLimit(what: 'layer' | 'image', digest: Digest, limit: ByteLimit): DiagnosticError {
  const entry = what === 'layer' ? buildCodes.layerTooLarge : buildCodes.imageTooLarge;
  const values = { digest, limit: limit.bytes, shown: formatBytes(limit.bytes) };
  if (limit.compressed === undefined) return new DiagnosticError(createDiagnostic(entry, 'set', values));
  return new DiagnosticError(createDiagnostic(entry, 'default', { ...values, expansion: DEFAULT_LIMITS.expansion, compressed: formatBytes(limit.compressed), floor: formatBytes(DEFAULT_LIMITS.floor) }));
}

/** The running totals of one flattening, shared by the layers read at once. */
export class LayerBudget {
  readonly maxPathDepth: number;
  readonly #maxEntries: number;
  readonly #imageLimit: ByteLimit;
  readonly #fixedLayerBytes: number | undefined;
  #entries = 0;
  #imageBytes = 0;

  constructor(layers: readonly MeteredLayer[], limits: FlattenLimits = {}) {
    this.maxPathDepth = limits.maxPathDepth ?? DEFAULT_LIMITS.maxPathDepth;
    this.#maxEntries = limits.maxEntries ?? DEFAULT_LIMITS.maxEntries;
    this.#fixedLayerBytes = limits.maxLayerBytes;
    const compressed = layers.reduce((sum, l) => sum + (l.size ?? 0), 0);
    this.#imageLimit = limits.maxImageBytes !== undefined ? { bytes: limits.maxImageBytes } : { bytes: expanded(compressed), compressed };
  }

  /** The most bytes `layer` may expand to. */
  layerLimit(layer: MeteredLayer): ByteLimit {
    if (this.#fixedLayerBytes !== undefined) return { bytes: this.#fixedLayerBytes };
    const compressed = layer.size ?? 0;
    return { bytes: expanded(compressed), compressed };
  }

  /** Counts one entry of `layer`, refusing the one past the limit. */
  entry(layer: MeteredLayer): void {
    if (++this.#entries > this.#maxEntries) throw new DiagnosticError(createDiagnostic(buildCodes.tooManyEntries, 'entries', { digest: layer.digest, limit: this.#maxEntries }));
  }

  /**
   * `tar` with its bytes counted: the stream fails once `layer` holds more bytes than its limit,
   * or all layers together more than theirs. `before` (bytes the layer is known to hold so far)
   * plus `next` more (a member's declared size) past the limit fails at once, before they are read.
   */
  metered(layer: MeteredLayer, tar: Readable): { readonly stream: Readable; expect(before: number, next: number): void } {
    const limit = this.layerLimit(layer);
    let seen = 0;
    const budget = this;
    const stream = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        seen += chunk.length;
        budget.#imageBytes += chunk.length;
        if (seen > limit.bytes) callback(overLimit('layer', layer.digest, limit));
        else if (budget.#imageBytes > budget.#imageLimit.bytes) callback(overLimit('image', layer.digest, budget.#imageLimit));
        else callback(null, chunk);
      },
    });
    tar.on('error', (error) => stream.destroy(error));
    return {
      stream: tar.pipe(stream),
      expect: (before, next) => {
        if (before + next > limit.bytes) throw overLimit('layer', layer.digest, limit);
      },
    };
  }
}

function expanded(compressed: number): number {
  return DEFAULT_LIMITS.expansion * compressed + DEFAULT_LIMITS.floor;
}
