#!/usr/bin/env node
/**
 * Makes the base images the examples start FROM, offline, out of this machine's own binaries:
 * one OCI layout (`examples/images/oci`) with the tags `base`, `python` and `node`, plus the
 * stand-in envd (`examples/images/envd`, built from `examples/envd/envd.c`).
 *
 * The images are small but real: a usr-merged tree (`/bin -> usr/bin`), dash as `/bin/sh`, a few
 * coreutils, each ELF file's shared-library closure (from `ldd`), `/etc/passwd` and `/etc/group`,
 * and python3.11 or node on top as a second layer that also whites out a file of the first.
 * Layers are gzip tars with fixed owners and times, so the same host files give the same digests.
 *
 * Usage: node examples/images/make-images.js [--force] [--out DIR]
 */
import { existsSync, readdirSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { execa } from 'execa';
import { LayerTree, PATH_ENV, addWithLibraries, baseLayer, finishLayout, image, layerBlob, startLayout } from './oci-builder.js';

const here = dirname(new URL(import.meta.url).pathname);
const args = process.argv.slice(2);
const outDir = resolve(args.includes('--out') ? args[args.indexOf('--out') + 1] : join(here, 'oci'));
const envdOut = join(here, 'envd');
const force = args.includes('--force');

async function makeImages() {
  const temp = await startLayout(outDir);

  const base = await baseLayer();
  const baseInImage = new Set([...base.entries.keys()].map((p) => `/${p}`));
  const baseBlob = await layerBlob(temp, base);

  const python = new LayerTree();
  python.file('etc/.wh.motd', Buffer.alloc(0));
  await addWithLibraries(python, ['/usr/bin/python3.11', '/usr/bin/python3'], baseInImage);
  python.hostTree('/usr/lib/python3.11', new Set(['test', 'idlelib', 'tkinter', 'turtledemo', 'ensurepip', '__pycache__', 'config-3.11-x86_64-linux-gnu', 'site-packages', 'dist-packages']));
  const dynload = '/usr/lib/python3.11/lib-dynload';
  await addWithLibraries(python, readdirSync(dynload).map((n) => join(dynload, n)), baseInImage);
  const pythonBlob = await layerBlob(temp, python);

  const node = new LayerTree();
  node.file('etc/.wh.motd', Buffer.alloc(0));
  await addWithLibraries(node, ['/usr/bin/node'], baseInImage);
  const nodeBlob = await layerBlob(temp, node);

  const env = [PATH_ENV];
  const manifests = [
    await image(temp, 'base', [baseBlob], { Env: env, Cmd: ['/bin/sh'] }),
    await image(temp, 'python', [baseBlob, pythonBlob], { Env: [...env, 'LANG=C.UTF-8'], Cmd: ['python3'], WorkingDir: '/' }),
    await image(temp, 'node', [baseBlob, nodeBlob], { Env: [...env, 'NODE_ENV=production'], Cmd: ['node'], WorkingDir: '/' }),
  ];
  await finishLayout(temp, outDir, manifests);
  return manifests;
}

async function makeEnvd() {
  const temp = `${envdOut}.tmp-${process.pid}`;
  await execa('cc', ['-static', '-O2', '-o', temp, join(here, '..', 'envd', 'envd.c')]);
  await rename(temp, envdOut);
}

if (force || !existsSync(join(outDir, 'index.json'))) {
  for (const m of await makeImages()) {
    console.log(`${m.annotations['org.opencontainers.image.ref.name']}\t${m.digest}`);
  }
} else {
  console.log(`${outDir} is present (use --force to remake it)`);
}
if (force || !existsSync(envdOut)) await makeEnvd();
console.log(`envd\t${envdOut}`);
