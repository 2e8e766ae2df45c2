/** `cube plan`'s readable form: the DAG as a tree from the manifest down, each node once. */
import { shortDigest } from '../core/digest.js';
import type { Digest } from '../core/digest.js';
import { nodeIndex } from './plan.js';
import type { Plan } from './plan.js';

/** Renders the plan as an indented tree: kind, short id, description, build-file location. */
export function renderPlanTree(plan: Plan): string {
  const nodes = nodeIndex(plan);
  const seen = new Set<Digest>();
  const lines: string[] = [];
  const visit = (id: Digest, prefix: string, last: boolean, root: boolean): void => {
    const node = nodes.get(id);
    if (!node) return;
    const source = plan.sources[id];
    const branch = root ? '' : last ? '└─ ' : '├─ ';
    const where = [source?.location, source?.origin && source.origin !== source.location ? `from ${source.origin}` : undefined].filter(Boolean).join(', ');
    const repeat = seen.has(id);
    lines.push(`${prefix}${branch}${node.kind} ${shortDigest(id)}  ${source?.description ?? ''}${where ? `  (${where})` : ''}${repeat ? '  (see above)' : ''}`);
    if (repeat) return;
    seen.add(id);
    const children = Object.values(node.inputs).flatMap((v) => (Array.isArray(v) ? v : [v as Digest]));
    const childPrefix = root ? '' : prefix + (last ? '   ' : '│  ');
    children.forEach((child, i) => visit(child, childPrefix, i === children.length - 1, false));
  };
  visit(plan.roots.manifest, '', true, true);
  return lines.join('\n') + '\n';
}
