/**
 * The package's `cubefile/planner` entry: plan a parsed build (inputs resolved and hashed once)
 * into a content-addressed plan, read and write plan.json, and explain or diff plans. The image
 * resolver a plan needs comes from `cubefile/build` (`createImageSources`). Documented in docs/api.md.
 */
export { diffPlans, explainBuild, lastPlan, parsePlanJson, planBuild, planToJson, readPlanFile, renderExplanation, renderPlanDiff, renderPlanTree } from '../planner/index.js';
export type { Explanation, ExplainReason, FieldChange, LockMode, NodeSource, Plan, PlanDiff, PlanInput, PlanInputs, PlanNode, PlanNodeKind, PlanResult, RootCause, SourceLine } from '../planner/index.js';
export type { ImageResolver, ResolvedImage } from '../core/image.js';
export type { Digest } from '../core/digest.js';
