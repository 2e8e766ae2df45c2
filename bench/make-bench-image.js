#!/usr/bin/env node
/**
 * Makes the benchmark image, `bench/.work/oci:bench`: a realistic ~300 MB, ~10,000-file rootfs in
 * five layers (the examples' base, python3.11 with its standard library, node, the C headers of
 * /usr/include, and Perl's library), from this machine's own files. Same host, same digests.
 *
 * Usage: node bench/make-bench-image.js [--force]
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  LayerTree,
  PATH_ENV,
  addWithLibraries,
  baseLayer,
  finishLayout,
  image,
  layerBlob,
  startLayout,
} from '../examples/images/oci-builder.js';

const here = dirname(new URL(import.meta.url).pathname);
/** Where the layout is written (gitignored). */
export const BENCH_LAYOUT = join(here, '.work', 'oci');

/** Makes the layout unless it exists (or `force`); returns its directory. */
export async function makeBenchImage(force = false) {
  if (!force && existsSync(join(BENCH_LAYOUT, 'index.json'))) return BENCH_LAYOUT;
  const temp = await startLayout(BENCH_LAYOUT);
  const base = await baseLayer();
  const inBase = new Set([...base.entries.keys()].map((p) => `/${p}`));

  const python = new LayerTree();
  await addWithLibraries(python, ['/usr/bin/python3.11', '/usr/bin/python3'], inBase);
  python.hostTree('/usr/lib/python3.11', new Set(['__pycache__', 'site-packages', 'dist-packages']));
  const dynload = '/usr/lib/python3.11/lib-dynload';
  await addWithLibraries(python, readdirSync(dynload).map((n) => join(dynload, n)), inBase);

  const node = new LayerTree();
  await addWithLibraries(node, ['/usr/bin/node'], inBase);

  const headers = new LayerTree();
  headers.hostTree('/usr/include', new Set());

  const perl = new LayerTree();
  perl.hostTree('/usr/share/perl', new Set());

  const layers = [];
  for (const layer of [base, python, node, headers, perl]) layers.push(await layerBlob(temp, layer));
  const manifest = await image(temp, 'bench', layers, { Env: [PATH_ENV], Cmd: ['python3'], WorkingDir: '/' });
  await finishLayout(temp, BENCH_LAYOUT, [manifest]);
  return BENCH_LAYOUT;
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  console.log(await makeBenchImage(process.argv.includes('--force')));
}
