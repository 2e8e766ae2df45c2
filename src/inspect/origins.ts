/**
 * Where the image's paths came from, in words: origins.json names a plan node for each path, and
 * plan.json says what each node is and where the build file wrote it (a layer of the FROM image
 * by its digest, `INJECT envd` or a COPY step with its line). Paths origins.json does not list
 * were made by cube's ext4 writer itself (lost+found); with no usable origins.json every path's
 * origin is unknown.
 */
import { shortDigest } from '../core/digest.js';
import type { Digest } from '../core/digest.js';
import { WRITER_ORIGIN } from '../executor/build/index.js';
import type { OriginNode, Origins } from '../executor/build/index.js';
import type { Plan } from '../planner/index.js';
import { nameFromBytes } from '../core/names.js';

/** What an origin is. `filesystem`: cube's ext4 writer (its metadata, the root, lost+found). */
export type OriginKind = 'layer' | 'envd' | 'step' | 'filesystem' | 'unknown';

/** One origin, as the report lists it. */
export interface OriginLabel {
  readonly kind: OriginKind;
  /** What it is, in a few words: `layer 2/3 4fc9bdd9736e`, `COPY app/ /srv/app/`. */
  readonly label: string;
  /** The plan node. */
  readonly node?: Digest;
  /** For a layer: the layer's digest. */
  readonly digest?: Digest;
  /** Where the build file says it (`Cubefile:3:1`). */
  readonly location?: string;
}

/** The origins of an image and how to find each path's. */
export interface OriginMap {
  readonly labels: readonly OriginLabel[];
  /** The index in `labels` of the origin of the path with these names. */
  originOf(names: readonly Buffer[]): number;
}

const FILESYSTEM: OriginLabel = { kind: 'filesystem', label: 'filesystem (metadata, journal, lost+found)' };
const UNKNOWN: OriginLabel = { kind: 'unknown', label: 'unknown (no origins.json)' };

/** The label of one origins.json origin, from its plan node. */
function labelOf(origin: OriginNode, plan: Plan, layerCount: number): OriginLabel {
  const source = plan.sources[origin.node];
  const node = plan.nodes.find((n) => n.id === origin.node);
  const location = source?.location !== undefined ? { location: source.location } : {};
  if (origin.kind === 'layer') {
    const digest = (node?.params as { digest?: Digest } | undefined)?.digest;
    const short = digest ? ` ${shortDigest(digest)}` : '';
    return { kind: 'layer', label: `layer ${(origin.index ?? 0) + 1}/${layerCount}${short}`, node: origin.node, ...(digest ? { digest } : {}), ...location };
  }
  const label = source?.instruction ?? source?.description ?? origin.kind;
  return { kind: origin.kind, label, node: origin.node, ...location };
}

/** Origins from origins.json and the plan; undefined `origins` makes every path's origin unknown. */
export function originMap(origins: Origins | undefined, plan: Plan | undefined): OriginMap {
  if (!origins || !plan) {
    return { labels: [UNKNOWN, FILESYSTEM], originOf: () => 0 };
  }
  const layerCount = origins.origins.filter((o) => o.kind === 'layer').length;
  const labels = [...origins.origins.map((o) => labelOf(o, plan, layerCount)), FILESYSTEM];
  const filesystem = labels.length - 1;
  const byPath = new Map(origins.paths.map((path, i) => [path, origins.origin[i] as number]));
  return {
    labels,
    originOf: (names) => {
      // origins.json holds the tree's paths, whose names are bytes in cube's name form.
      const origin = byPath.get('/' + names.map(nameFromBytes).join('/'));
      return origin === undefined || origin === WRITER_ORIGIN ? filesystem : origin;
    },
  };
}

/** Why origins.json cannot be used with this plan, or undefined when it can. */
export function originsMismatch(origins: Origins, plan: Plan): 'otherImage' | 'otherNodes' | undefined {
  if (origins.seal !== plan.roots.seal) return 'otherImage';
  const ids = new Set(plan.nodes.map((n) => n.id));
  return origins.origins.every((o) => ids.has(o.node)) ? undefined : 'otherNodes';
}
