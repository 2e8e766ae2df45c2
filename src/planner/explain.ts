/**
 * Why a build must run each plan node, or that it need not, against the last build of the same
 * file (or a plan given with `--against`) and what the cache holds. Each row cites the build file
 * line and instruction the node comes from, and each changed field the line that set it.
 */
import type { Digest } from '../core/digest.js';
import { shortDigest } from '../core/digest.js';
import { byKey, citation, nodeFieldChanges, show } from './diff.js';
import type { FieldChange } from './diff.js';
import type { Plan, PlanNode, PlanNodeKind } from './plan.js';

/**
 * Why a node runs, or does not:
 * - `cached`: the cache has its result (the image node: resolved while planning);
 * - `first`: not cached, and no earlier build of this file is recorded to compare with;
 * - `new`: the earlier build had no such node;
 * - `own-fields`: its own parameters changed (`fields` says which, and where they were set);
 * - `inputs`: only what it is built from changed (`inputs` names those nodes);
 * - `missing`: unchanged, and the kind of result the cache keeps, but not in this cache;
 * - `never-cached`: unchanged, but a kind the cache never keeps on its own (layers, COPY,
 *   WORKDIR, the launch config…): redone because the result it belongs to is;
 * - `corrupt`: its cache entry failed verification;
 * - `base`: not run: the flattened base an earlier build kept holds its result (the layers and
 *   their flattened rootfs; docs/incremental.md).
 */
export type ExplainReason = 'cached' | 'first' | 'new' | 'own-fields' | 'inputs' | 'missing' | 'never-cached' | 'corrupt' | 'base';

/** Why one node has to run (or that it need not). */
export interface Explanation {
  readonly key: string;
  readonly kind: PlanNodeKind;
  readonly id: Digest;
  /** What the node is (`launch.json`, `COPY app → /srv/app`). */
  readonly description: string;
  readonly reason: ExplainReason;
  /** `Cubefile:12:1`, where the node comes from. */
  readonly location?: string;
  /** The instruction at `location`, as written. */
  readonly instruction?: string;
  readonly fields: readonly FieldChange[];
  /** For `inputs`: the keys of the inputs that changed. */
  readonly inputs: readonly string[];
}

/** The kinds whose results the cache keeps: a sealed rootfs, the launch manifest kept with it. */
const KEPT_KINDS: ReadonlySet<PlanNodeKind> = new Set(['seal', 'manifest']);

/** Explains, for every node, whether the build must run it and why. */
export function explainBuild(plan: Plan, previous: Plan | undefined, isCached: (id: Digest) => boolean | 'corrupt' | 'base'): Explanation[] {
  const before = previous ? byKey(previous) : new Map<string, PlanNode>();
  const previousIds = new Set(previous?.nodes.map((n) => n.id));
  const keyOf = (id: Digest): string => plan.sources[id]?.key ?? id;
  return plan.nodes.map((node): Explanation => {
    const source = plan.sources[node.id];
    const base = {
      key: keyOf(node.id),
      kind: node.kind,
      id: node.id,
      description: source?.description ?? node.kind,
      ...(source?.location !== undefined ? { location: source.location } : {}),
      ...(source?.instruction !== undefined ? { instruction: source.instruction } : {}),
      fields: [] as FieldChange[],
      inputs: [] as string[],
    };
    const old = before.get(base.key);
    // The image node never runs in a build; a new base image still says what it changed.
    const fields = old && old.id !== node.id ? nodeFieldChanges(old, node, previous?.sources[old.id], source) : [];
    const cached = isCached(node.id);
    if (cached === true) return { ...base, reason: 'cached', fields };
    if (cached === 'corrupt') return { ...base, reason: 'corrupt' };
    if (cached === 'base') return { ...base, reason: 'base', fields };
    if (!previous) return { ...base, reason: 'first' };
    if (!old) return { ...base, reason: 'new' };
    if (old.id === node.id) return { ...base, reason: KEPT_KINDS.has(node.kind) ? 'missing' : 'never-cached' };
    if (fields.length > 0) return { ...base, reason: 'own-fields', fields };
    const changed = Object.entries(node.inputs).filter(([name, ids]) => JSON.stringify(ids) !== JSON.stringify(old.inputs[name]));
    const names = changed.flatMap(([, ids]) => (Array.isArray(ids) ? ids : [ids]).filter((id) => !previousIds.has(id)).map(keyOf));
    return { ...base, reason: 'inputs', inputs: [...new Set(names)] };
  });
}

const REASONS: Readonly<Record<ExplainReason, (e: Explanation, byKey: ReadonlyMap<string, Explanation>) => string>> = {
  // A node other than the image is cached here when an earlier build (not the last) had it.
  cached: (e) => (e.fields.length === 0 ? '' : e.kind === 'image' ? 'resolved to a new image:' : 'cached from an earlier build; differs from the last one:'),
  first: () => 'no earlier build of this file is recorded, and the cache does not have it',
  new: () => 'new: the last build had no such node',
  'own-fields': () => 'its own fields changed:',
  inputs: (e, rows) => `what it is built from changed: ${e.inputs.map((key) => (rows.get(key)?.location ? `${key} (${rows.get(key)?.location})` : key)).join(', ') || 'an input'}`,
  missing: () => 'same as the last build, but missing from the cache (pruned, --no-cache, or another cache directory)',
  'never-cached': (e) => `unchanged, but never cached on its own: redone because the ${e.kind === 'launch-config' ? 'launch manifest' : 'sealed rootfs'} is`,
  corrupt: () => 'its cache entry is corrupt',
  base: (e) => (e.kind === 'rootfs' ? 'reused from the flattened rootfs an earlier build kept: no layer is read' : ''),
};

/**
 * Renders explanations: a row per node (`cached` or `runs`, kind, short id, build file line and
 * instruction), then why it runs, and each changed field with the line that set it.
 */
export function renderExplanation(explanations: readonly Explanation[]): string {
  const rows = new Map(explanations.map((e) => [e.key, e]));
  const kindWidth = Math.max(...explanations.map((e) => e.kind.length));
  const lines: string[] = [];
  for (const e of explanations) {
    const where = e.location !== undefined ? citation(e) : e.description;
    lines.push(`${e.reason === 'cached' ? 'cached' : e.reason === 'base' ? 'reused' : 'runs  '}  ${e.kind.padEnd(kindWidth)}  ${shortDigest(e.id)}  ${where}`);
    const why = REASONS[e.reason](e, rows);
    if (why !== '') lines.push(`          ${why}`);
    for (const f of e.fields) {
      const at = f.location !== undefined && f.location !== e.location ? `  ← ${citation(f)}` : '';
      lines.push(`            ${f.field}: ${show(f.old)} → ${show(f.new)}${at}`);
    }
  }
  return lines.join('\n') + '\n';
}
