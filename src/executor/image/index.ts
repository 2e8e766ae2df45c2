/**
 * Image sources: resolving `FROM` references to verified manifests and configs, and serving each
 * layer as a verified, uncompressed tar stream. `oci-layout:` reads a local OCI image layout.
 */
import type { Readable } from 'node:stream';
import type { ImageRef } from '../../core/build-spec.js';
import { createDiagnostic, DiagnosticError } from '../../core/diagnostics/index.js';
import { imageCodes } from '../../core/diagnostics/codes-image.js';
import type { ImageResolver, LayerSource, ProgressEvent, ResolvedImage, ResolveOptions } from '../../core/image.js';
import type { Logger } from '../../core/log.js';
import { uncompressedLayer } from './layer-stream.js';
import { openLayoutBlob, resolveLayout } from './oci-layout.js';

export { hostPlatform, formatPlatform } from './manifest.js';
export { layerCompression, MediaType } from './media-types.js';

/** Options of {@link createImageSources}. */
export interface ImageSourceOptions {
  /** Cache directory (blobs pulled from registries are kept under it). */
  readonly cacheDir: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly logger?: Logger;
}

/** The resolver and layer source for one build. */
export interface ImageSources {
  readonly resolver: ImageResolver;
  readonly layers: LayerSource;
}

/** Where the blobs of a resolved image are read from. */
type BlobLocation = { readonly kind: 'layout'; readonly dir: string };

/** Creates the image sources. */
export function createImageSources(_options: ImageSourceOptions): ImageSources {
  const locations = new Map<string, BlobLocation>();
  const resolver: ImageResolver = {
    async resolve(ref: ImageRef, options: ResolveOptions): Promise<ResolvedImage> {
      if (ref.transport === 'oci-layout') {
        const { image, dir } = await resolveLayout(ref, options.contextDir, options.platform);
        locations.set(image.manifestDigest, { kind: 'layout', dir });
        return image;
      }
      const named = ref.transport === 'registry' ? `${ref.registry}/${ref.repository}` : `docker-archive:${ref.file}`;
      throw new DiagnosticError(createDiagnostic(imageCodes.registryUnsupported, `cannot read ${named}: only oci-layout: sources are supported by this build of cube`));
    },
  };
  const layers: LayerSource = {
    async openLayer(image: ResolvedImage, index: number, onProgress?: (event: ProgressEvent) => void): Promise<Readable> {
      const layer = image.layers[index];
      const location = locations.get(image.manifestDigest);
      if (!layer || !location) throw new Error('openLayer: image was not resolved by these sources, or has no such layer');
      const report = onProgress ? (done: number) => onProgress({ digest: layer.digest, done, total: layer.size }) : undefined;
      return uncompressedLayer(openLayoutBlob(location.dir, layer.digest), layer, report);
    },
  };
  return { resolver, layers };
}
