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

/** One letter per entry type, so the entries' types are one string. */
const typeLetters: Readonly<Record<EntryType, string>> = { file: 'f', dir: 'd', symlink: 'l', char: 'c', block: 'b', fifo: 'p', socket: 's' };
const letterTypes = new Map(Object.entries(typeLetters).map(([type, letter]) => [letter, type as EntryType]));

// Column by column rather than a tuple per entry: a rootfs has tens of thousands of entries and
// a launch-only rebuild reads them all, so the file must parse and validate in milliseconds.
const factsSchema = z
  .object({
    version: z.literal(2),
    passwd: z.string().optional(),
    group: z.string().optional(),
    paths: z.array(z.string()),
    types: z.string().regex(/^[fdlcbps]*$/),
    modes: z.array(z.number().int()),
    links: z.record(z.string().regex(/^\d+$/), z.string()),
  })
  .refine((f) => f.types.length === f.paths.length && f.modes.length === f.paths.length, 'columns of different lengths');

/** Serialises facts as JSON (paths in index order, so parents precede children). */
export function factsToJson(facts: RootfsFacts): string {
  const paths: string[] = [];
  const modes: number[] = [];
  const links: Record<string, string> = {};
  let types = '';
  for (const path of facts.index.paths()) {
    if (path === '/') continue;
    const meta = facts.index.get(path)?.meta;
    if (!meta) continue;
    if (meta.linkTarget !== undefined) links[paths.length] = meta.linkTarget;
    paths.push(path);
    types += typeLetters[meta.type];
    modes.push(meta.mode);
  }
  return JSON.stringify({ version: 2, ...facts.accounts, paths, types, modes, links });
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
  const { paths, types, modes, links } = parsed.data;
  const index = new FlattenedIndex();
  paths.forEach((path, position) => {
    const type = letterTypes.get(types[position] as string) as EntryType;
    const linkTarget = links[position];
    index.put(path, {
      meta: { type, mode: modes[position] as number, uid: 0, gid: 0, mtime: { sec: 0, nsec: 0 }, ...(type === 'symlink' ? { linkTarget: linkTarget ?? '' } : {}) },
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
