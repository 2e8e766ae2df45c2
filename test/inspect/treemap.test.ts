/** The treemap's layout: areas in proportion to bytes, children inside their directory, no overlaps, a bounded count. */
import { describe, expect, it } from 'vitest';
import type { Ext4Entry } from '../../src/executor/ext4/index.js';
import { layoutTreemap, squarify } from '../../src/inspect/treemap.js';
import type { TreemapRect } from '../../src/inspect/treemap.js';
import { buildTree } from '../../src/inspect/tree.js';

/** A tree from `path → allocated bytes` (directories implied), through the same code the reader's walk feeds. */
async function treeOf(files: Record<string, number>) {
  const entries: Ext4Entry[] = [];
  const seen = new Set<string>();
  let ino = 10;
  const add = (path: string, type: 'dir' | 'file', allocated: number) => {
    if (seen.has(path)) return;
    seen.add(path);
    entries.push({ names: path === '/' ? [] : path.slice(1).split('/').map((n) => Buffer.from(n)), ino: ino++, type, size: allocated, links: 1, allocated });
  };
  add('/', 'dir', 0);
  for (const [path, bytes] of Object.entries(files).sort()) {
    const parts = path.slice(1).split('/');
    for (let i = 1; i < parts.length; i++) add('/' + parts.slice(0, i).join('/'), 'dir', 4096);
    add(path, 'file', bytes);
  }
  async function* walk() {
    yield* entries;
  }
  return buildTree(walk(), () => 0);
}

const inside = (a: { x: number; y: number; w: number; h: number }, b: { x: number; y: number; w: number; h: number }): boolean =>
  a.x >= b.x - 1e-6 && a.y >= b.y - 1e-6 && a.x + a.w <= b.x + b.w + 1e-6 && a.y + a.h <= b.y + b.h + 1e-6;
const overlap = (a: TreemapRect, b: TreemapRect): boolean => a.x + a.w > b.x + 1e-6 && b.x + b.w > a.x + 1e-6 && a.y + a.h > b.y + 1e-6 && b.y + b.h > a.y + 1e-6;

describe('squarify', () => {
  it.each([
    [[6, 6, 4, 3, 2, 2, 1], { x: 0, y: 0, w: 600, h: 400 }],
    [[100, 1, 1, 1], { x: 10, y: 20, w: 50, h: 300 }],
    [[5], { x: 0, y: 0, w: 10, h: 10 }],
  ])('fills the box with areas in proportion to %j, without overlaps', (weights, box) => {
    const boxes = squarify(weights, box);
    const total = weights.reduce((a, b) => a + b, 0);
    boxes.forEach((b, i) => {
      expect(inside(b, box)).toBe(true);
      expect(b.w * b.h).toBeCloseTo(((weights[i] as number) / total) * box.w * box.h, 6);
      boxes.slice(i + 1).forEach((o) => expect(overlap(b as TreemapRect, o as TreemapRect)).toBe(false));
    });
  });
});

describe('the treemap', () => {
  it('draws each entry once, inside its directory, siblings apart, areas by bytes', async () => {
    const tree = await treeOf({ '/usr/lib/a.so': 400_000, '/usr/lib/b.so': 100_000, '/usr/bin/x': 50_000, '/srv/app/main.py': 8_000, '/etc/passwd': 4_096, '/empty': 0 });
    const rects = layoutTreemap(tree, 800, 600);
    const paths = rects.map((r) => r.node.path);
    expect(new Set(paths).size).toBe(paths.length);
    expect(paths).toContain('/usr/lib/a.so');
    // Nothing for an entry that takes no space.
    expect(paths).not.toContain('/empty');
    const byNode = new Map(rects.map((r) => [r.node, r]));
    for (const r of rects) {
      const parent = byNode.get(r.parent);
      expect(inside(r, parent ?? { x: 0, y: 0, w: 800, h: 600 })).toBe(true);
      for (const o of rects) if (o !== r && o.parent === r.parent) expect(overlap(r, o), `${r.node.path} / ${o.node.path}`).toBe(false);
    }
    const top = rects.filter((r) => r.parent === tree);
    const area = (path: string) => rects.find((r) => r.node.path === path) as TreemapRect;
    expect(area('/usr').w * area('/usr').h).toBeCloseTo((area('/usr').node.total.allocated / tree.total.allocated) * 800 * 600, 3);
    expect(top.map((r) => r.node.path)).toEqual(['/usr', '/srv', '/etc']);
  });

  it('draws at most the bound, the largest first', async () => {
    const files = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`/d${String(i).padStart(2, '0')}/f`, (i + 1) * 10_000]));
    const tree = await treeOf(files);
    const rects = layoutTreemap(tree, 800, 600, 10);
    expect(rects).toHaveLength(10);
    expect(rects.map((r) => r.node.path)).toEqual(Array.from({ length: 10 }, (_, i) => `/d${49 - i}`));
  });
});
