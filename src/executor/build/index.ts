/**
 * Build execution: seal the rootfs (or reuse it from the cache), compute the launch manifest and
 * write the outputs; and the same steps and launch checks over a base image's facts, for the
 * checks that run before anything is written.
 */
export { executeBuild, planDigest } from './execute.js';
export type { ExecuteInput, ExecuteResult } from './execute.js';
export type { RemoteCache } from './remote.js';
export { commitArtifact, discardStaged, stageArtifact } from './artifact-cache.js';
export { cachedNodes } from './cached-nodes.js';
export { sealRootfs, treeContent } from './seal.js';
export type { SealInput, SealOutput, SealStep } from './seal.js';
export { computeLaunch } from './launch.js';
export type { LaunchInput } from './launch.js';
export { lookupArtifact, placeArtifact } from './artifact-cache.js';
export { outputIs } from './output-record.js';
export type { CachedArtifact, CacheLookup } from './artifact-cache.js';
export { factsFromJson, factsToJson } from './rootfs-facts.js';
export type { RootfsFacts } from './rootfs-facts.js';
export { applyBuildSteps } from './build-steps.js';
export { discardingWriter } from '../../core/tree-writer.js';
export type { BuildStepsInput, StepProblem } from './build-steps.js';
export { checkLaunch } from './launch.js';
export type { CheckedLaunch, LaunchCheckInput } from './launch.js';
export { baseImageFacts } from './image-facts.js';
export { IndexingWriter } from './tree-writers.js';
export { originsFromJson, originsFromValue, WRITER_ORIGIN } from './origins.js';
export type { OriginNode, Origins } from './origins.js';
