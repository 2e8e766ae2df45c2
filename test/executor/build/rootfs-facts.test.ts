/** The facts kept beside a cached rootfs: what the launch step reads instead of the layers. */
import { describe, expect, it } from 'vitest';
import type { EntryMeta } from '../../../src/core/tree-writer.js';
import { factsFromJson, factsToJson } from '../../../src/executor/build/index.js';
import { FlattenedIndex } from '../../../src/executor/flatten/index.js';

function meta(type: EntryMeta['type'], mode: number, linkTarget?: string): EntryMeta {
  return { type, mode, uid: 0, gid: 0, mtime: { sec: 0, nsec: 0 }, ...(linkTarget !== undefined ? { linkTarget } : {}) };
}

describe('rootfs facts', () => {
  it('round-trip every entry type, mode, link target and the account files', () => {
    const index = new FlattenedIndex();
    const entries: [string, EntryMeta][] = [
      ['/bin', meta('dir', 0o755)],
      ['/bin/busybox', meta('file', 0o4755)],
      ['/bin/sh', meta('symlink', 0o777, 'busybox')],
      ['/dev', meta('dir', 0o755)],
      ['/dev/null', meta('char', 0o666)],
      ['/dev/sda', meta('block', 0o660)],
      ['/run', meta('dir', 0o1777)],
      ['/run/fifo', meta('fifo', 0o600)],
      ['/run/sock', meta('socket', 0o600)],
      ['/srv', meta('dir', 0o755)],
      ['/srv/a b', meta('dir', 0o700)],
      ['/srv/a b/ünï', meta('symlink', 0o777, '/bin/../bin/sh')],
    ];
    entries.forEach(([path, m], position) => index.put(path, { meta: m, layer: 0, position, explicit: true }));
    const accounts = { passwd: 'root:x:0:0::/root:/bin/sh\n', group: 'root:x:0:\n' };
    const back = factsFromJson(factsToJson({ accounts, index }));
    expect(back?.accounts).toEqual(accounts);
    for (const [path, m] of entries) {
      const got = back?.index.get(path)?.meta;
      expect([path, got?.type, got?.mode, got?.linkTarget]).toEqual([path, m.type, m.mode, m.linkTarget]);
    }
    expect(back?.index.resolve('/srv/a b/ünï')?.path).toBe('/bin/busybox');
  });

  it('refuse text that is not facts, including columns of different lengths', () => {
    const good = JSON.parse(factsToJson({ accounts: {}, index: new FlattenedIndex() }));
    expect(factsFromJson(JSON.stringify(good))).toBeDefined();
    expect(factsFromJson('')).toBeUndefined();
    expect(factsFromJson(JSON.stringify({ ...good, version: 1 }))).toBeUndefined();
    expect(factsFromJson(JSON.stringify({ ...good, paths: ['/x'], types: 'f', modes: [] }))).toBeUndefined();
    expect(factsFromJson(JSON.stringify({ ...good, paths: ['/x'], types: 'q', modes: [0] }))).toBeUndefined();
  });
});
