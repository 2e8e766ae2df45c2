/**
 * The values the executor takes from a plan: the seal options from the seal node and the launch
 * settings from the launch-config node. The executor reads these and the plan's inputs, never the
 * BuildSpec, so what runs is what was hashed: a value it uses is a field of a node whose id covers it.
 */
import type { LaunchSpec, SealSpec } from '../core/build-spec.js';
import type { Plan, PlanNode } from './plan.js';

function node(plan: Plan, kind: PlanNode['kind'], id?: string): PlanNode {
  const found = plan.nodes.find((n) => n.kind === kind && (id === undefined || n.id === id));
  if (!found) throw new Error(`the plan has no ${kind} node`);
  return found;
}

/** The seal options the plan's seal node hashed (without the writer version and epoch it also holds). */
export function sealOptionsOf(plan: Plan): SealSpec {
  const { writer: _writer, epoch: _epoch, ...seal } = node(plan, 'seal', plan.roots.seal).params as unknown as SealSpec & { writer: number; epoch: number };
  return seal;
}

/** The image reference as the build file wrote it, which the manifest node hashed (launch.json names it). */
export function imageRefOf(plan: Plan): string {
  return (node(plan, 'manifest', plan.roots.manifest).params as { image: string }).image;
}

/** The launch settings the plan's launch-config node hashed (without the envd settings it also holds). */
export function launchSpecOf(plan: Plan): LaunchSpec {
  const { envd: _envd, ...launch } = node(plan, 'launch-config').params as unknown as LaunchSpec & { envd: unknown };
  return launch;
}
