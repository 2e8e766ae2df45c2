#!/usr/bin/env node
/**
 * Bundles the `cube` command into one ES module, `dist/cli/bundle.js`, which `bin/cube.js` runs.
 * Node 20 loads an ES module graph file by file, and cube's graph (with zod, yaml and execa) is
 * several hundred files: loading it took most of a no-change rebuild. One file loads in a
 * fraction of that. Packages cube reaches into at run time stay outside the bundle: tar-stream
 * (cube patches its pax decoder in place), chevrotain (loaded from its own single-file build),
 * pino and pino-pretty. The bundle sits two levels below the package root, as the sources do,
 * so `src/core/version.ts` finds package.json from either.
 *
 * Usage: node scripts/bundle.js [--outfile FILE]   (part of `npm run build`; tests bundle elsewhere)
 */
import { build } from 'esbuild';
import { dirname, join } from 'node:path';

const root = join(dirname(new URL(import.meta.url).pathname), '..');
const at = process.argv.indexOf('--outfile');
const outfile = at === -1 ? join(root, 'dist', 'cli', 'bundle.js') : process.argv[at + 1];

await build({
  entryPoints: [join(root, 'src', 'cli', 'main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['tar-stream', 'chevrotain', 'pino', 'pino-pretty'],
  // CommonJS packages inside an ES module bundle call require(); give them Node's.
  banner: { js: "import { createRequire as createRequireForBundle } from 'node:module'; const require = createRequireForBundle(import.meta.url);" },
  sourcemap: 'linked',
  logLevel: 'warning',
});
