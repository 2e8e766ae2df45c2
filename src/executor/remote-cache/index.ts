/**
 * Sharing builds through OCI registries: the remote cache of sealed rootfs images
 * (`cube build --cache-from/--cache-to`, implementing the build's {@link RemoteCache}) and
 * templates published whole (`cube push`, `cube pull`). Both are OCI 1.1 artifacts whose image
 * travels as zstd chunks; docs/remote-cache.md describes the layout.
 */
export { RegistryCache, cachedPlan, latestTag, sealTag } from './registry-cache.js';
export type { RegistryCacheOptions } from './registry-cache.js';
export { pullTemplate, pushTemplate } from './template.js';
export type { TemplateDir } from './template.js';
export { repositoryText } from './transfer.js';
export type { RepositoryRef } from './transfer.js';
export { CubeMediaType } from './artifact.js';
export type { ChunkSource } from './chunks.js';
