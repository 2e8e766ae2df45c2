/**
 * Registry references on the command line: the remote cache's repositories (`--cache-from`,
 * `--cache-to`, as a bare `REGISTRY/REPO` or docker's `type=registry,ref=REGISTRY/REPO`, else
 * `$CUBE_CACHE_FROM` and `$CUBE_CACHE_TO`), and the `REF[:TAG]`, `REF[@DIGEST]` of push and pull.
 */
import type { Digest } from '../../core/digest.js';
import type { RepositoryRef } from '../../executor/remote-cache/index.js';
import { parseRegistryRef } from '../../parser/index.js';
import { usageError } from '../args.js';
import type { CommandContext } from '../command.js';

/** A registry reference: a repository, and a tag or a digest when one was written. */
export interface RegistryTarget extends RepositoryRef {
  readonly tag?: string;
  readonly digest?: Digest;
}

/** Parses `REGISTRY/REPO[:TAG][@DIGEST]`; `what` names where it came from in the error. */
export function registryTarget(command: string, what: string, text: string): RegistryTarget {
  const parsed = parseRegistryRef(text);
  if (!parsed.ok || parsed.ref.transport !== 'registry') throw usageError(command, 'registryRef', { what, value: text, problem: parsed.ok ? 'not a registry' : parsed.reason });
  const { registry, repository, tag, digest } = parsed.ref;
  return { registry, repository, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** A cache repository: `REF` or `type=registry,ref=REF`, with no tag (entries are tagged by node). */
function cacheRepository(command: string, what: string, text: string): RepositoryRef {
  let ref = text;
  if (text.includes('=')) {
    const fields = new Map(text.split(',').map((field) => [field.slice(0, field.indexOf('=')), field.slice(field.indexOf('=') + 1)] as const));
    const unknown = [...fields.keys()].filter((key) => key !== 'type' && key !== 'ref');
    if (fields.get('type') !== 'registry' || !fields.has('ref') || unknown.length > 0) {
      throw unknown.length > 0 ? usageError(command, 'cacheRefKeys', { what, value: text, keys: unknown.join(', ') }) : usageError(command, 'cacheRefForm', { what, value: text });
    }
    ref = fields.get('ref') as string;
  }
  const target = registryTarget(command, what, ref);
  if (target.tag !== undefined || target.digest !== undefined) throw usageError(command, 'cacheRefTag', { what, value: text });
  return { registry: target.registry, repository: target.repository };
}

/** The options, for `parseArgs`. */
export const remoteCacheOptions = {
  'cache-from': { type: 'string', multiple: true },
  'cache-to': { type: 'string' },
} as const;

/** The usage lines of {@link remoteCacheOptions}. */
export const remoteCacheUsage = `      --cache-from REF    look a sealed rootfs the local cache lacks up in registry repository
                          REF (or type=registry,ref=REF) before building; repeatable, tried in
                          order (default: $CUBE_CACHE_FROM, repositories separated by spaces)
      --cache-to REF      export the sealed rootfs to registry repository REF (default:
                          $CUBE_CACHE_TO); a failed export is a warning, never a failed build
`;

/** The remote cache's repositories from the options, else the environment. */
export function remoteCacheRefs(
  command: string,
  context: CommandContext,
  values: { readonly 'cache-from'?: readonly string[]; readonly 'cache-to'?: string },
): { from: RepositoryRef[]; to?: RepositoryRef } {
  const fromEnv = (context.env.CUBE_CACHE_FROM ?? '').split(/\s+/).filter((text) => text !== '');
  const from = values['cache-from'] !== undefined ? values['cache-from'].map((text) => cacheRepository(command, '--cache-from', text)) : fromEnv.map((text) => cacheRepository(command, '$CUBE_CACHE_FROM', text));
  const toText = values['cache-to'] ?? (context.env.CUBE_CACHE_TO || undefined);
  const to = toText !== undefined ? cacheRepository(command, values['cache-to'] !== undefined ? '--cache-to' : '$CUBE_CACHE_TO', toText) : undefined;
  return { from, ...(to ? { to } : {}) };
}
