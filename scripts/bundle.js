#!/usr/bin/env node
/**
 * Bundles what the package ships into single ES modules under DIST (default `dist/`):
 * - `cli/bundle.js`: the `cube` command, which `bin/cube.js` runs. Node 20 loads an ES module
 *   graph file by file, and cube's graph (with zod, yaml and execa) is several hundred files:
 *   loading it took most of a no-change rebuild. One file loads in a fraction of that.
 * - `cli/up-to-date.js`: the answer to a `cube build` that its stamp shows is up to date.
 * - `cli/help.js`: `cube --help` and `cube --version` alone, so they answer without loading the
 *   command at all.
 * - `lib/parser.js`, `lib/planner.js`, `lib/build.js`: the library entries of the `exports` map,
 *   with the code they share in `lib/chunk-*.js`.
 * Packages cube reaches into at run time stay outside the bundles: tar-stream (cube patches its
 * pax decoder in place), chevrotain (loaded from its own single-file build), pino and
 * pino-pretty. Each bundle sits two levels below the package root, as the sources do, so
 * `src/core/version.ts` finds package.json from either. No source maps: they would point at
 * sources the package does not ship.
 *
 * When DIST/types holds the declarations of the library entries (`tsc -p tsconfig.types.json`),
 * only those the entries' types reach are kept.
 *
 * Usage: node scripts/bundle.js [--outdir DIST]   (part of `npm run build`; tests bundle elsewhere)
 */
import { build } from 'esbuild';
import { readFile, readdir, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

const root = join(dirname(new URL(import.meta.url).pathname), '..');
const at = process.argv.indexOf('--outdir');
const dist = at === -1 ? join(root, 'dist') : resolve(process.argv[at + 1]);

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['tar-stream', 'chevrotain', 'pino', 'pino-pretty'],
  // CommonJS packages inside an ES module bundle call require(); give them Node's.
  banner: { js: "import { createRequire as createRequireForBundle } from 'node:module'; const require = createRequireForBundle(import.meta.url);" },
  sourcemap: false,
  logLevel: 'warning',
};
const entryPoints = (entries) => Object.fromEntries(Object.entries(entries).map(([out, src]) => [out, join(root, src)]));

// The command and its --help/--version answer: each one file, nothing shared to load.
await build({ ...common, entryPoints: entryPoints({ 'cli/bundle': 'src/cli/main.ts', 'cli/help': 'src/cli/help.ts', 'cli/up-to-date': 'src/cli/up-to-date.ts' }), outdir: dist });
// The library entries share their common code in chunks beside them, rather than each carry it.
await build({
  ...common,
  entryPoints: entryPoints({ parser: 'src/lib/parser.ts', planner: 'src/lib/planner.ts', build: 'src/lib/build.ts' }),
  outdir: join(dist, 'lib'),
  splitting: true,
  // Beside the entries, at the same depth: code that finds package.json by a relative URL works from any of them.
  chunkNames: '[name]-[hash]',
});

/** Keeps the declaration files the library entries' types reach; the rest describe nothing shipped. */
async function pruneTypes(types) {
  const all = await readdir(types, { recursive: true }).catch(() => []);
  const files = new Set(all.filter((f) => f.endsWith('.d.ts')).map((f) => join(types, f)));
  if (files.size === 0) return;
  const reached = new Set();
  const pending = [...files].filter((f) => f.startsWith(join(types, 'lib') + '/'));
  while (pending.length > 0) {
    const file = pending.pop();
    if (reached.has(file)) continue;
    reached.add(file);
    const text = await readFile(file, 'utf8');
    for (const [, spec] of text.matchAll(/(?:from|import\()\s*['"](\.[^'"]+)['"]/g)) {
      const target = resolve(dirname(file), spec.replace(/\.js$/, '.d.ts'));
      if (files.has(target)) pending.push(target);
    }
  }
  for (const file of files) if (!reached.has(file)) await rm(file);
}

await pruneTypes(join(dist, 'types'));
