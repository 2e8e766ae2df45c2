/** What executing a plan takes, and what it gives back (see execute.ts). */
import type { SpanTable } from '../../core/build-spec.js';
import type { Digest } from '../../core/digest.js';
import type { LayerSource } from '../../core/image.js';
import type { Logger, ProgressSink } from '../../core/log.js';
import type { Plan, PlanInputs } from '../../planner/index.js';
import type { FlattenLimits } from '../flatten/index.js';
import type { LaunchManifest } from '../launch/index.js';
import type { CachedArtifact } from './artifact-cache.js';
import type { Origins } from './origins.js';
import type { RemoteCache } from './remote.js';
import type { RootfsFacts } from './rootfs-facts.js';

/**
 * Everything a build execution needs: the plan and the inputs its node ids cover. Every value
 * that shapes the outputs comes from a plan node (see planner/plan-values.ts); the spans only
 * place diagnostics.
 */
export interface ExecuteInput {
  readonly spans: SpanTable;
  readonly plan: Plan;
  readonly inputs: PlanInputs;
  readonly layers: LayerSource;
  readonly cacheDir: string;
  readonly outDir: string;
  /** Rebuild the rootfs even when the cache has it. */
  readonly noCache: boolean;
  /** What reading the image's layers may cost (`--max-layer-bytes` and the like). */
  readonly limits?: FlattenLimits;
  /** A shared cache: looked up when the local one misses, and given what the build has. */
  readonly remote?: RemoteCache;
  readonly logger: Logger;
  readonly progress: ProgressSink;
}

/** What a build produced and how. */
export interface ExecuteResult {
  readonly manifest: LaunchManifest;
  /** `cached`: the seal node came from the cache; `remote`: from the remote cache; `built`: it was sealed now. */
  readonly rootfs: 'cached' | 'remote' | 'built';
  /** `cached`: launch.json came with the cached rootfs; `computed`: it was computed now. */
  readonly launch: 'cached' | 'computed';
  readonly outputs: { readonly rootfs: string; readonly launch: string; readonly plan: string; readonly origins: string };
  /** When the rootfs was sealed from a flattened base: the seal that made the base, and its layer count. */
  readonly base?: BaseReuse;
}

/** A flattened base a seal started from (see docs/incremental.md). */
export interface BaseReuse {
  readonly sealedBy: Digest;
  readonly layers: number;
}

/** The rootfs for the build: the cache's, or sealed now and committed to the cache. */
export interface SealedRootfs {
  readonly artifact: CachedArtifact;
  readonly rootfs: 'cached' | 'built';
  /** The tree's facts, when the image was sealed now (a cached one has them in its entry). */
  readonly facts?: RootfsFacts;
  /** Where its paths came from, when the image was sealed now (likewise). */
  readonly origins?: Origins;
  /** The flattened base it was sealed from, if any. */
  readonly base?: BaseReuse;
}

