/**
 * Launch: the effective process (Docker semantics), the envd wrapper, build-time checks that the
 * wrapped image can start, numeric user resolution, and the launch manifest.
 */
export { effectiveProcess, mergeEnv } from './effective-process.js';
export type { EffectiveProcess } from './effective-process.js';
export { envdArgv, wrapArgv, shellQuote, workloadArgv, WRAP_ARGV0, ENVD_LOG_PATH, KEEP_ALIVE_ARGV } from './wrap.js';
export { checkWrappable, isExecutableFile, resolveExecutable, workloadNotFound } from './checks.js';
export { records, resolveIdentity, resolveUser, splitUserSpec } from './users.js';
export type { ResolvedIdentity } from './users.js';
export type { AccountFiles, NumericUser } from './users.js';
export { buildLaunchManifest, launchManifestSchema, launchManifestJsonSchema, READINESS_TIMING } from './manifest.js';
export type { LaunchManifest, LaunchManifestInput } from './manifest.js';
