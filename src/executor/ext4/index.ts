/**
 * cube's own ext4 writer: rootless, streaming (file data goes to its final blocks as it
 * arrives), reproducible (same entries and options, same bytes). Implements the TreeWriter
 * that flattening, injection and COPY write into.
 */
export { createExt4Writer, resumeExt4Writer, superblockRegions } from './writer.js';
export type { Ext4TreeWriter, Ext4WriterState } from './writer.js';
export type { Ext4Options, Ext4Result } from './seal/index.js';
export { metaProblem, pathProblem } from './limits.js';
export type { EntryProblem } from './limits.js';
