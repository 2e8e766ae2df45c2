/**
 * The ext4 on-disk format, and nothing else: each structure cube writes as a named field table
 * (superblock, group descriptor, inode, extent header/index/leaf, directory entry and tail, dx
 * root/node, xattr header/entry, jbd2 superblock), every magic number, flag and limit named once,
 * and the encoders that fill them. Where things go on disk is decided by the sealing steps.
 */
export * from './directory.js';
export * from './extent.js';
export * from './geometry.js';
export * from './htree.js';
export * from './inode.js';
export * from './journal.js';
export * from './struct.js';
export * from './superblock.js';
export * from './xattr.js';
