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
    summary: 'This build of cube cannot pull from a registry.',
    hint: 'save the image locally (`skopeo copy docker://REF oci:DIR:TAG`) and use FROM oci-layout:DIR:TAG',
  },
} as const satisfies Record<string, CatalogEntry>;
