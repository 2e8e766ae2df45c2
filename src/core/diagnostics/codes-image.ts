/** Diagnostic codes for image sources (CUBE31xx). Codes are stable: never renumber or reuse one. */
import type { CatalogEntry } from './catalog-entry.js';

/** The image sources (CUBE31xx) codes. */
export const imageCodes = {
  layoutUnreadable: {
    code: 'CUBE3101',
    severity: 'error',
    summary: 'An OCI layout directory or one of its files cannot be read.',
    hint: 'check the path after `oci-layout:` (relative to the build file) and that it holds index.json and blobs/',
  },
  referenceNotFound: {
    code: 'CUBE3102',
    severity: 'error',
    summary: 'The tag or digest is not in the image source.',
    hint: 'list the tags the source holds (for an OCI layout: the ref.name annotations in index.json)',
  },
  noMatchingPlatform: {
    code: 'CUBE3103',
    severity: 'error',
    summary: 'A multi-platform image has no manifest for the requested platform.',
    hint: 'pick one of the platforms the image offers with FROM --platform=os/arch',
  },
  digestMismatch: {
    code: 'CUBE3104',
    severity: 'error',
    summary: 'Content does not hash to the digest that names it.',
    hint: 'the image source is corrupt or was tampered with; fetch the image again',
  },
  badManifest: {
    code: 'CUBE3105',
    severity: 'error',
    summary: 'A manifest, index or image config is malformed, too large, or of an unsupported kind.',
    hint: 'rebuild or re-push the image with a current tool (docker buildx, buildah, skopeo)',
  },
  zstdWindowTooLarge: {
    code: 'CUBE3113',
    severity: 'error',
    summary: 'A zstd layer needs a decompression window larger than 128 MiB, which zstd itself refuses without --long=31.',
    hint: 'recompress the layer with a window of at most 128 MiB (zstd without --long, or --long=27)',
  },
  unsupportedLayer: {
    code: 'CUBE3106',
    severity: 'error',
    summary: 'A layer has a media type cube cannot unpack (for example foreign or nondistributable layers).',
    hint: 'use an image whose layers are tar, tar+gzip or tar+zstd',
  },
  schema1: {
    code: 'CUBE3107',
    severity: 'error',
    summary: 'The image uses the deprecated Docker schema 1 manifest format.',
    hint: 're-push the image with a current Docker or skopeo, which write schema 2 or OCI manifests',
  },
  archiveUnreadable: {
    code: 'CUBE3108',
    severity: 'error',
    summary: 'A docker-archive file cannot be read or does not hold the named image.',
    hint: 'check the path after `docker-archive:` and make it with `docker save IMAGE -o FILE.tar`',
  },
  registryUnsupported: {
    code: 'CUBE3109',
    severity: 'error',
    summary: 'The image source cannot be used this way (for example plain HTTP to a registry that is not on loopback).',
    hint: 'use HTTPS, or name the registry as insecure with --insecure-registry HOST',
  },
  transferFailed: {
    code: 'CUBE3110',
    severity: 'error',
    summary: 'A registry request failed after retries (network error, 5xx, 429 or a truncated transfer).',
    hint: 'check the network and the registry; cube retried with backoff and resumed partial downloads',
  },
  authFailed: {
    code: 'CUBE3111',
    severity: 'error',
    summary: 'The registry refused access (401/403), or its token service failed.',
    hint: 'log in (credentials in $DOCKER_CONFIG/config.json or $REGISTRY_AUTH_FILE), or check the repository name',
  },
  notFound: {
    code: 'CUBE3112',
    severity: 'error',
    summary: 'The registry has no such repository, tag or digest.',
    hint: 'check the reference; for a private image, check that you are logged in',
  },
} as const satisfies Record<string, CatalogEntry>;
