/**
 * A nested treemap of the image's tree: each entry's rectangle has an area in proportion to the
 * bytes it takes (allocated), a directory's rectangle holds its children's, laid out by the
 * squarified method (rows of rectangles kept as close to square as the row allows). Entries too
 * small to see are not drawn (they stay inside their directory's area), and the number of
 * rectangles is bounded, largest first, so a page for a big image stays small.
 */
import type { TreeNode } from './tree.js';

/** One drawn entry. */
export interface TreemapRect {
  readonly node: TreeNode;
  /** The directory it lies in (the root for the top level). */
  readonly parent: TreeNode;
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

interface Box {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** The smallest rectangle drawn, in square pixels, and the narrowest. */
const MIN_AREA = 48;
const MIN_SIDE = 3;
/** Room for a directory's name above its children, when it is big enough to show one. */
const HEADER = 14;
/** The most rectangles a treemap draws. */
const MAX_RECTS = 2500;

/** The worst aspect ratio of a row of `areas` laid along a side of length `side`. */
function worst(areas: readonly number[], side: number): number {
  const sum = areas.reduce((a, b) => a + b, 0);
  const max = Math.max(...areas);
  const min = Math.min(...areas);
  return Math.max((side * side * max) / (sum * sum), (sum * sum) / (side * side * min));
}

/** Lays `weights` (largest first) into `box`; returns one box per weight, in the same order. */
export function squarify(weights: readonly number[], box: Box): Box[] {
  const total = weights.reduce((a, b) => a + b, 0);
  if (total <= 0 || box.w <= 0 || box.h <= 0) return weights.map(() => ({ x: box.x, y: box.y, w: 0, h: 0 }));
  const scale = (box.w * box.h) / total;
  const out: Box[] = [];
  let free = { ...box };
  let row: number[] = [];
  const place = (): void => {
    const sum = row.reduce((a, b) => a + b, 0);
    if (free.w >= free.h) {
      // A column at the left of the free space.
      const width = sum / free.h;
      let y = free.y;
      for (const a of row) {
        out.push({ x: free.x, y, w: width, h: a / width });
        y += a / width;
      }
      free = { x: free.x + width, y: free.y, w: free.w - width, h: free.h };
    } else {
      const height = sum / free.w;
      let x = free.x;
      for (const a of row) {
        out.push({ x, y: free.y, w: a / height, h: height });
        x += a / height;
      }
      free = { x: free.x, y: free.y + height, w: free.w, h: free.h - height };
    }
    row = [];
  };
  for (const weight of weights) {
    const area = weight * scale;
    const side = Math.min(free.w, free.h);
    if (row.length > 0 && area > 0 && worst([...row, area], side) > worst(row, side)) place();
    row.push(area);
  }
  if (row.length > 0) place();
  return out;
}

/** The children of `node` worth drawing, largest first (ties by path, so layouts are reproducible). */
function drawable(node: TreeNode): TreeNode[] {
  return node.children.filter((c) => c.total.allocated > 0).sort((a, b) => b.total.allocated - a.total.allocated || (a.path < b.path ? -1 : 1));
}

/** Where a directory's children go inside its rectangle: below its name when there is room. */
function inner(r: Box): Box {
  const header = r.h > HEADER * 2 && r.w > 40 ? HEADER : 1;
  return { x: r.x + 1, y: r.y + header, w: Math.max(0, r.w - 2), h: Math.max(0, r.h - header - 1) };
}

/** Lays out the tree under `root` in a `width` × `height` area (the root itself is the area). */
export function layoutTreemap(root: TreeNode, width: number, height: number, maxRects = MAX_RECTS): TreemapRect[] {
  const out: TreemapRect[] = [];
  // Breadth first, so when the bound is reached the rectangles left out are the deepest.
  let level: { node: TreeNode; box: Box }[] = [{ node: root, box: { x: 0, y: 0, w: width, h: height } }];
  let first = true;
  while (level.length > 0 && out.length < maxRects) {
    const next: { node: TreeNode; box: Box }[] = [];
    for (const { node, box } of level) {
      const children = drawable(node);
      const area = first ? box : inner(box);
      const boxes = squarify(children.map((c) => c.total.allocated), area);
      children.forEach((child, i) => {
        const b = boxes[i] as Box;
        if (b.w * b.h < MIN_AREA || b.w < MIN_SIDE || b.h < MIN_SIDE || out.length >= maxRects) return;
        out.push({ node: child, parent: node, ...b });
        if (child.type === 'dir' && b.w * b.h >= MIN_AREA * 4) next.push({ node: child, box: b });
      });
    }
    first = false;
    level = next;
  }
  return out;
}
