/**
 * `cube inspect`: what is in a built image and what takes its space. The image is read with
 * cube's own read-only ext4 reader (nothing is mounted or extracted, the build is not run
 * again); origins.json and plan.json, written beside it by the build, say which layer or step
 * each path came from. A bare ext4 image can be inspected too, without origins. The report
 * renders as text, JSON, or one self-contained HTML page with a treemap.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createDiagnostic } from '../core/diagnostics/index.js';
import type { Diagnostic } from '../core/diagnostics/index.js';
import { runCodes } from '../core/diagnostics/codes-run.js';
import type { Digest } from '../core/digest.js';
import { originsFromJson, planDigest } from '../executor/build/index.js';
import { openExt4 } from '../executor/ext4/index.js';
import { readPlanFile } from '../planner/index.js';
import { loadArtifact } from '../runner/index.js';
import { originMap, originsMismatch } from './origins.js';
import type { OriginMap } from './origins.js';
import { makeReport } from './report.js';
import type { InspectReport } from './report.js';
import { buildTree } from './tree.js';
import type { TreeNode } from './tree.js';

export { renderInspectText } from './render-text.js';
export { renderInspectHtml } from './render-html.js';
export type { InspectReport } from './report.js';
export type { TreeNode } from './tree.js';

/** How the tables are cut. */
export interface InspectOptions {
  /** Rows per table. */
  readonly top: number;
  /** The deepest directories listed (1: `/usr`, 2: `/usr/lib`). */
  readonly depth: number;
}

/** The report, the tree it was made from (for the treemap), and any warnings. */
export interface InspectResult {
  readonly report: InspectReport;
  readonly tree: TreeNode;
  readonly diagnostics: readonly Diagnostic[];
}

/** Reads the image at `path` and weighs it; `origins` places each path (default: unknown). */
export async function inspectImage(path: string, options: InspectOptions & { readonly origins?: OriginMap; readonly sha256?: Digest; readonly shownPath?: string }): Promise<InspectResult> {
  const origins = options.origins ?? originMap(undefined, undefined);
  const reader = await openExt4(path);
  let tree: TreeNode;
  try {
    tree = await buildTree(reader.walk(), origins.originOf);
  } finally {
    await reader.close();
  }
  const report = makeReport({
    path: options.shownPath ?? path,
    ...(options.sha256 ? { sha256: options.sha256 } : {}),
    fileSize: (await stat(path)).size,
    summary: reader.summary,
    tree,
    labels: origins.labels,
    top: options.top,
    depth: options.depth,
  });
  return { report, tree, diagnostics: [] };
}

/**
 * Inspects a build's output directory: rootfs.ext4 is checked against launch.json first (as
 * `cube run` does), plan.json must be there; origins.json that is missing or belongs to another
 * build is a warning, and the origins are then unknown.
 */
export async function inspectOutput(dir: string, options: InspectOptions & { readonly cacheDir?: string; readonly shownDir?: string }): Promise<InspectResult> {
  const artifact = await loadArtifact(dir, options.cacheDir);
  const plan = await readPlanFile(join(dir, 'plan.json'));
  const origins = originsFromJson(await readFile(join(dir, 'origins.json'), 'utf8').catch(() => ''));
  const why = !origins ? 'missing' : (originsMismatch(origins, plan) ?? (planDigest(plan) !== artifact.manifest.planDigest ? 'otherPlan' : undefined));
  const result = await inspectImage(artifact.rootfs, {
    ...options,
    origins: originMap(why === undefined ? origins : undefined, plan),
    sha256: artifact.manifest.artifact.sha256 as Digest,
    shownPath: join(options.shownDir ?? dir, 'rootfs.ext4'),
  });
  const diagnostics = why === undefined ? [] : [createDiagnostic(runCodes.noOrigins, why, { path: join(options.shownDir ?? dir, 'origins.json') })];
  return { ...result, diagnostics };
}
