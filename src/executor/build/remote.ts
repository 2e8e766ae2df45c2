/**
 * What a build asks of a cache shared beyond this machine (a registry; the implementation is
 * src/executor/remote-cache): the sealed rootfs of a seal node, looked up when the local cache
 * misses, before anything of the base image is fetched, and exported once the build has it.
 * Neither call fails the build: a remote that cannot answer is a miss, one that cannot be
 * written is a warning.
 */
import type { Digest } from '../../core/digest.js';
import type { Plan } from '../../planner/index.js';
import type { CachedArtifact } from './artifact-cache.js';

/** A shared cache of sealed rootfs images, keyed by seal node id. */
export interface RemoteCache {
  /**
   * Fetches the sealed rootfs of `sealId` into the local cache, verified and written as a local
   * build writes it, and returns the local entry; undefined when no remote has it (or none that
   * verified).
   */
  lookup(sealId: Digest): Promise<CachedArtifact | undefined>;
  /** Exports the local entry of the plan's seal node with the plan, unless the remote has it. */
  store(artifact: CachedArtifact, plan: Plan): Promise<void>;
}
