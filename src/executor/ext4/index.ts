/**
 * cube's own ext4 writer: rootless, streaming (file data goes to its final blocks as it
 * arrives), reproducible (same entries and options, same bytes). Implements the TreeWriter
 * that flattening, injection and COPY write into. Beside it, a small read-only reader that
 * lists an image's tree (for `cube inspect`).
 */
export { createExt4Writer, resumeExt4Writer, superblockRegions } from './writer.js';
export type { Ext4TreeWriter, Ext4WriterState } from './writer.js';
export type { Ext4Options, Ext4Result } from './seal/index.js';
export { metaProblem, pathProblem } from './limits.js';
export type { EntryProblem } from './limits.js';
export { openExt4 } from './read/walk.js';
export type { Ext4Entry, Ext4Reader } from './read/walk.js';
export type { Ext4Summary } from './read/image.js';
