/**
 * The planner: a BuildSpec and its resolved inputs in, a content-addressed plan out; plus the
 * tools that explain plans (diff, explain, tree) and remember them (records, lockfile).
 */
export { planBuild } from './build-plan.js';
export { EXT4_FORMAT_VERSION } from './plan-nodes.js';
export type { PlanInput, PlanInputs, PlanResult, PlannedEnvd, PlannedStep } from './build-plan.js';
export { imageRefOf, launchSpecOf, sealOptionsOf } from './plan-values.js';
export { makeNode, nodeId, nodeIndex, parsePlanJson, planJsonSchema, planSchema, planToJson, NODE_VERSIONS } from './plan.js';
export type { JsonValue, NodeSource, Plan, PlanNode, PlanNodeKind, SourceLine } from './plan.js';
export { diffPlans, fieldChanges, nodeFieldChanges, renderPlanDiff } from './diff.js';
export type { FieldChange, PlanDiff, RootCause } from './diff.js';
export { explainBuild, renderExplanation } from './explain.js';
export type { CacheState, ExplainReason, Explanation } from './explain.js';
export { lastPlan, readPlanFile, recordPlan } from './records.js';
export { renderPlanTree } from './tree.js';
export { lockedManifest, lockfilePath } from './lockfile.js';
export { BuildContext, copySourceSpans } from './context.js';
export { envdWithoutInject, resolveEnvd } from './envd.js';
export type { ResolvedEnvd } from './envd.js';
export type { LockMode } from './lockfile.js';
export { HostFileHasher } from './host-files.js';
