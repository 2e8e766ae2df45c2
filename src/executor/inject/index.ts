/**
 * Injection: envd at its one in-image path, COPY from the build context with `--chown`/`--chmod`,
 * and WORKDIR creation. Every host file is hash-verified against the planner's digest while it
 * is streamed into the TreeWriter.
 */
export { injectEnvd } from './envd.js';
export type { EnvdInjection } from './envd.js';
export { applyCopy, copyTargetIsDirectory, normaliseImagePath } from './copy.js';
export type { CopyEntry, CopySource, CopyStep } from './copy.js';
export { ensureWorkdir } from './workdir.js';
export { writeVerifiedFile } from './verified-file.js';
export type { HostFile } from './verified-file.js';
