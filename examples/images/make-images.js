#!/usr/bin/env node
/**
 * Makes the base images the examples start FROM, offline, out of this machine's own binaries:
 * one OCI layout (`DIR/oci`) with the tags `base`, `python` and `node`, plus the stand-in envd
 * (`DIR/envd`, built from `examples/envd/envd.c`). DIR is `examples/images` unless `--out` says
 * otherwise.
 *
 * The images are small but real: a usr-merged tree (`/bin -> usr/bin`), dash as `/bin/sh`, a few
 * coreutils, each ELF file's shared-library closure (from `ldd`), `/etc/passwd` and `/etc/group`,
 * and python or node on top as a second layer that also whites out a file of the first. Layers
 * are gzip tars with fixed owners and times, so the same host files give the same digests; other
 * machines' files differ, and so do their digests (the examples' lockfiles are never shared).
 *
 * Usage: node examples/images/make-images.js [--force] [--out DIR]
 */
import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { execa } from 'execa';
import { findNode, findPython, requireTools } from './host-tools.js';
import { BASE_TOOLS, LayerTree, PATH_ENV, addWithLibraries, baseLayer, finishLayout, image, layerBlob, startLayout } from './oci-builder.js';

const here = dirname(new URL(import.meta.url).pathname);
const args = process.argv.slice(2);
const outDir = resolve(args.includes('--out') ? args[args.indexOf('--out') + 1] : here);
const layoutOut = join(outDir, 'oci');
const envdOut = join(outDir, 'envd');
const force = args.includes('--force');

async function makeImages() {
  requireTools(BASE_TOOLS);
  const python = await findPython();
  const node = findNode();
  const temp = await startLayout(layoutOut);

  const base = await baseLayer();
  const baseInImage = new Set([...base.entries.keys()].map((p) => `/${p}`));
  const baseBlob = await layerBlob(temp, base);

  const pythonLayer = new LayerTree();
  pythonLayer.file('etc/.wh.motd', Buffer.alloc(0));
  await addProgram(pythonLayer, python, baseInImage);
  pythonLayer.hostTree(python.stdlib, new Set(['test', 'idlelib', 'tkinter', 'turtledemo', 'ensurepip', '__pycache__', 'site-packages', 'dist-packages', python.configDir]));
  await addWithLibraries(pythonLayer, python.extensions, baseInImage);
  const pythonBlob = await layerBlob(temp, pythonLayer);

  const nodeLayer = new LayerTree();
  nodeLayer.file('etc/.wh.motd', Buffer.alloc(0));
  await addProgram(nodeLayer, node, baseInImage);
  const nodeBlob = await layerBlob(temp, nodeLayer);

  const env = [PATH_ENV];
  const manifests = [
    await image(temp, 'base', [baseBlob], { Env: env, Cmd: ['/bin/sh'] }),
    await image(temp, 'python', [baseBlob, pythonBlob], { Env: [...env, 'LANG=C.UTF-8'], Cmd: ['python3'], WorkingDir: '/' }),
    await image(temp, 'node', [baseBlob, nodeBlob], { Env: [...env, 'NODE_ENV=production'], Cmd: ['node'], WorkingDir: '/' }),
  ];
  await finishLayout(temp, layoutOut, manifests);
  return manifests;
}

/** Adds a program found on the host, with its libraries, under the path the image expects. */
async function addProgram(layer, program, baseInImage) {
  await addWithLibraries(layer, [program.add], baseInImage);
  if (program.linkAs) layer.symlink(program.linkAs, program.add);
}

async function makeEnvd() {
  const temp = `${envdOut}.tmp-${process.pid}`;
  const cc = await execa('cc', ['-static', '-O2', '-o', temp, join(here, '..', 'envd', 'envd.c')], { reject: false });
  if (cc.exitCode !== 0) {
    await rm(temp, { force: true });
    const why = cc.failed && cc.code === 'ENOENT' ? 'there is no C compiler (cc)' : `cc -static failed:\n${cc.stderr}`;
    throw new Error(`cannot build the stand-in envd: ${why}\n  install one with: apt-get install gcc libc6-dev`);
  }
  await rename(temp, envdOut);
}

try {
  if (force || !existsSync(join(layoutOut, 'index.json'))) {
    for (const m of await makeImages()) {
      console.log(`${m.annotations['org.opencontainers.image.ref.name']}\t${m.digest}`);
    }
  } else {
    console.log(`${layoutOut} is present (use --force to remake it)`);
  }
  if (force || !existsSync(envdOut)) await makeEnvd();
  console.log(`envd\t${envdOut}`);
} catch (error) {
  console.error(`make-images: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
