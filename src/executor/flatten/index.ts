/**
 * Layer flattening: OCI layers (uncompressed tars, oldest first) → one tree in a TreeWriter,
 * in two passes (index headers, then stream surviving data), plus the flattened index that
 * build-time checks query.
 */
export { flattenLayers, imageLayers, indexLayers, writeFlattened } from './flatten.js';
export type { FlattenLayer, FlattenOptions, FlattenResult } from './flatten.js';
export { FlattenedIndex, comparePaths, sortPaths } from './flattened-index.js';
export type { IndexInode } from './flattened-index.js';
export { normaliseLayerPath } from './tar-entry.js';
export { readTreeFiles } from './read-files.js';
export { DEFAULT_LIMITS } from './limits.js';
export type { FlattenLimits } from './limits.js';
