/** The OCI and Docker media types cube reads, and what each layer type needs to be unpacked. */

/** Manifest and index media types. */
export const MediaType = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  dockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
  dockerLayerTar: 'application/vnd.docker.image.rootfs.diff.tar',
} as const;

/** How a layer blob is compressed. */
export type Compression = 'none' | 'gzip' | 'zstd';

const LAYER_TYPES: Readonly<Record<string, Compression>> = {
  'application/vnd.oci.image.layer.v1.tar': 'none',
  'application/vnd.oci.image.layer.v1.tar+gzip': 'gzip',
  'application/vnd.oci.image.layer.v1.tar+zstd': 'zstd',
  'application/vnd.docker.image.rootfs.diff.tar': 'none',
  'application/vnd.docker.image.rootfs.diff.tar.gzip': 'gzip',
  'application/vnd.docker.image.rootfs.diff.tar.zstd': 'zstd',
};

/** The compression of a layer media type, or undefined when cube cannot unpack it. */
export function layerCompression(mediaType: string): Compression | undefined {
  return LAYER_TYPES[mediaType];
}

/** Whether a media type names an index (OCI index or Docker manifest list). */
export function isIndex(mediaType: string | undefined): boolean {
  return mediaType === MediaType.ociIndex || mediaType === MediaType.dockerList;
}

/** Manifests and configs larger than this are refused (as containerd and the distribution spec suggest). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
