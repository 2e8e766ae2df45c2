/**
 * Which plan nodes the cache already covers, for `cube build --explain`. The sealed rootfs is the
 * one cached filesystem result: when it is there, every node it was built from is covered too.
 * Launch nodes are covered when the manifest computed for the same manifest node is kept with
 * that rootfs. The image node never runs during a build: planning resolved it already. The
 * layers and their flattened rootfs are covered by a flattened base when the rootfs is not.
 */
import type { Digest } from '../../core/digest.js';
import type { Plan } from '../../planner/index.js';
import { lookupArtifact, readCachedLaunch } from './artifact-cache.js';
import { baseKeyOf, hasBase } from './flattened-base.js';

/** The ids `root` depends on, itself included. */
function closure(plan: Plan, root: Digest): Set<Digest> {
  const byId = new Map(plan.nodes.map((n) => [n.id, n]));
  const seen = new Set<Digest>();
  const pending: Digest[] = [root];
  while (pending.length > 0) {
    const id = pending.pop() as Digest;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const input of Object.values(byId.get(id)?.inputs ?? {})) pending.push(...(Array.isArray(input) ? input : [input as Digest]));
  }
  return seen;
}

/**
 * A cache-state function over `plan`'s nodes: true (cached), false (missing), 'corrupt', or
 * 'base' for the rootfs node and its layers when a flattened base covers them (docs/incremental.md).
 */
export async function cachedNodes(cacheDir: string, plan: Plan): Promise<(id: Digest) => boolean | 'corrupt' | 'base'> {
  const seal = await lookupArtifact(cacheDir, plan.roots.seal);
  const sealState = seal.state === 'hit' ? true : seal.state === 'corrupt' ? 'corrupt' : false;
  const fsNodes = closure(plan, plan.roots.seal);
  const launchDone = seal.state === 'hit' && (await readCachedLaunch(seal.artifact, plan.roots.manifest)) !== undefined;
  const imageNodes = new Set(plan.nodes.filter((n) => n.kind === 'image').map((n) => n.id));
  const rootfs = plan.nodes.find((n) => n.kind === 'rootfs');
  const key = baseKeyOf(plan);
  const baseNodes = sealState !== true && rootfs && key && (await hasBase(cacheDir, key)) ? closure(plan, rootfs.id) : new Set<Digest>();
  return (id) => (imageNodes.has(id) ? true : baseNodes.has(id) ? 'base' : fsNodes.has(id) ? sealState : launchDone);
}
