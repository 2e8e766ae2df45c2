/**
 * The package's `cubefile/build` entry: the image sources (registry, OCI layout, docker archive)
 * and the executor that turns a plan into `rootfs.ext4`, `launch.json` and `plan.json`, with the
 * launch manifest's schema. Documented in docs/api.md.
 */
export { createImageSources } from '../executor/image/index.js';
export type { ImageSourceOptions, ImageSources } from '../executor/image/index.js';
export { executeBuild } from '../executor/build/index.js';
export type { ExecuteInput, ExecuteResult } from '../executor/build/index.js';
export { launchManifestSchema } from '../executor/launch/index.js';
export type { LaunchManifest } from '../executor/launch/index.js';
export { silentLogger, silentProgress } from '../core/log.js';
export type { LogFields, Logger, ProgressSink } from '../core/log.js';
export { CUBE_VERSION } from '../core/version.js';
