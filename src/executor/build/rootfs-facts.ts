/**
 * What the launch step needs to know about a sealed rootfs, kept beside the cached artifact: the
 * tree's paths with type, mode and link target (for the wrap checks) and the account databases
 * (for USER). A build that changes only launch config reads these instead of the layers.
 */
import { z } from 'zod';
import type { EntryType } from '../../core/tree-writer.js';
import { FlattenedIndex } from '../flatten/index.js';
import type { AccountFiles } from '../launch/index.js';

/** The launch-relevant facts of one rootfs. */
export interface RootfsFacts {
  readonly accounts: AccountFiles;
  readonly index: FlattenedIndex;
}

const entryTypes = ['file', 'dir', 'symlink', 'char', 'block', 'fifo', 'socket'] as const;

const factsSchema = z.object({
  version: z.literal(1),
  passwd: z.string().optional(),
  group: z.string().optional(),
  entries: z.array(z.tuple([z.string(), z.enum(entryTypes), z.number().int(), z.string()])),
});

/** Serialises facts as JSON (paths in index order, so parents precede children). */
export function factsToJson(facts: RootfsFacts): string {
  const entries: [string, EntryType, number, string][] = [];
  for (const path of facts.index.paths()) {
    if (path === '/') continue;
    const meta = facts.index.get(path)?.meta;
    if (meta) entries.push([path, meta.type, meta.mode, meta.linkTarget ?? '']);
  }
  return JSON.stringify({ version: 1, ...facts.accounts, entries });
}

/** Reads facts written by {@link factsToJson}; undefined when the text is not valid facts. */
export function factsFromJson(text: string): RootfsFacts | undefined {
  let parsed;
  try {
    parsed = factsSchema.safeParse(JSON.parse(text));
  } catch {
    return undefined;
  }
  if (!parsed.success) return undefined;
  const index = new FlattenedIndex();
  parsed.data.entries.forEach(([path, type, mode, linkTarget], position) => {
    index.put(path, {
      meta: { type, mode, uid: 0, gid: 0, mtime: { sec: 0, nsec: 0 }, ...(type === 'symlink' ? { linkTarget } : {}) },
      layer: -2,
      position,
      explicit: true,
    });
  });
  const accounts: AccountFiles = {
    ...(parsed.data.passwd !== undefined ? { passwd: parsed.data.passwd } : {}),
    ...(parsed.data.group !== undefined ? { group: parsed.data.group } : {}),
  };
  return { accounts, index };
}
