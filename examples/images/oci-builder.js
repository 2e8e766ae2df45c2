/**
 * Writes small OCI image layouts from host files, deterministically: layers are tars in path
 * order with fixed owners and times, gzip-compressed, so the same host files give the same
 * digests. Used by `make-images.js` (the examples' base images) and by the benchmarks.
 */
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, posix, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { execa } from 'execa';
import tar from 'tar-stream';

/** Fixed layer timestamp (2024-01-01T00:00:00Z), so layers do not depend on when they were made. */
const EPOCH = new Date(Date.UTC(2024, 0, 1));
export const ARCH = { x64: 'amd64', arm64: 'arm64' }[process.arch] ?? process.arch;
export const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** A layer under construction: image path (no leading slash) → entry. */
export class LayerTree {
  entries = new Map();

  dir(path, mode = 0o755) {
    for (let p = posix.dirname(path); p !== '.' && p !== '/'; p = posix.dirname(p)) {
      if (!this.entries.has(p)) this.entries.set(p, { type: 'directory', mode: 0o755 });
    }
    this.entries.set(path, { type: 'directory', mode });
  }

  file(path, data, mode = 0o644) {
    this.dir(posix.dirname(path) === '.' ? '' : posix.dirname(path));
    this.entries.set(path, { type: 'file', data, mode });
  }

  symlink(path, target) {
    this.dir(posix.dirname(path));
    this.entries.set(path, { type: 'symlink', target });
  }

  /** Copies a host file (following its symlink chain as symlinks) to the same path in the image. */
  host(hostPath) {
    const canonical = join(realpathSync(dirname(hostPath)), basename(hostPath));
    const path = canonical.slice(1);
    if (this.entries.has(path)) return;
    const stat = lstatSync(canonical);
    if (stat.isSymbolicLink()) {
      const target = readlinkSync(canonical);
      this.symlink(path, target);
      this.host(resolve(dirname(canonical), target));
    } else if (stat.isDirectory()) {
      this.dir(path, stat.mode & 0o7777);
    } else {
      this.file(path, readFileSync(canonical), stat.mode & 0o7777);
    }
  }

  /** Copies a host directory tree, skipping names in `exclude`. */
  hostTree(hostDir, exclude) {
    this.host(hostDir);
    for (const name of readdirSync(hostDir).sort()) {
      if (exclude.has(name)) continue;
      const child = join(hostDir, name);
      if (lstatSync(child).isDirectory()) this.hostTree(child, exclude);
      else this.host(child);
    }
  }

  /** Writes the layer as a tar in path order (parents sort before children). */
  async toTar() {
    this.entries.delete('');
    const pack = tar.pack();
    const chunks = [];
    pack.on('data', (c) => chunks.push(c));
    const done = new Promise((ok, fail) => {
      pack.on('end', ok);
      pack.on('error', fail);
    });
    for (const path of [...this.entries.keys()].sort()) {
      const e = this.entries.get(path);
      const header = { name: e.type === 'directory' ? `${path}/` : path, mtime: EPOCH, uid: 0, gid: 0, uname: 'root', gname: 'root' };
      if (e.type === 'symlink') pack.entry({ ...header, type: 'symlink', linkname: e.target, mode: 0o777 });
      else if (e.type === 'directory') pack.entry({ ...header, type: 'directory', mode: e.mode });
      else pack.entry({ ...header, type: 'file', mode: e.mode, size: e.data.length }, e.data);
    }
    pack.finalize();
    await done;
    return Buffer.concat(chunks);
  }
}

/** The shared libraries (and interpreter) an ELF file loads, as host paths. */
async function libraryClosure(file) {
  const head = readFileSync(file).subarray(0, 4);
  if (!head.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))) return [];
  const { stdout, exitCode } = await execa('ldd', [file], { reject: false });
  if (exitCode !== 0) return [];
  return [...stdout.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)].map((m) => m[1]);
}

export async function addWithLibraries(layer, hostPaths, alreadyIn = new Set()) {
  for (const p of hostPaths) {
    layer.host(p);
    for (const lib of await libraryClosure(realpathSync(p))) {
      const canonical = join(realpathSync(dirname(lib)), basename(lib));
      if (!alreadyIn.has(canonical)) layer.host(lib);
    }
  }
}

async function blob(dir, data) {
  const hex = createHash('sha256').update(data).digest('hex');
  await writeFile(join(dir, 'blobs', 'sha256', hex), data);
  return { digest: `sha256:${hex}`, size: data.length };
}

export async function layerBlob(dir, layer) {
  const tarBytes = await layer.toTar();
  const diffId = `sha256:${createHash('sha256').update(tarBytes).digest('hex')}`;
  const stored = await blob(dir, gzipSync(tarBytes, { level: 6 }));
  return { ...stored, diffId, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' };
}

export async function image(dir, tag, layers, config) {
  const configBlob = await blob(
    dir,
    Buffer.from(
      JSON.stringify({
        created: EPOCH.toISOString(),
        architecture: ARCH,
        os: 'linux',
        config,
        rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
        history: layers.map((_, i) => ({ created: EPOCH.toISOString(), created_by: `make-images.js ${tag} layer ${i}` })),
      }),
    ),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...configBlob },
      layers: layers.map(({ mediaType, digest, size }) => ({ mediaType, digest, size })),
    }),
  );
  const stored = await blob(dir, manifest);
  return {
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    ...stored,
    platform: { architecture: ARCH, os: 'linux' },
    annotations: { 'org.opencontainers.image.ref.name': tag },
  };
}

/**
 * The first layer every example image shares: a usr-merged skeleton, dash as `/bin/sh`, a few
 * coreutils with their libraries, and `/etc/passwd`/`/etc/group` with root, app (1000) and nobody.
 */
export async function baseLayer() {
  const layer = new LayerTree();
  for (const [link, target] of [['bin', 'usr/bin'], ['lib', 'usr/lib'], ['lib64', 'usr/lib64'], ['sbin', 'usr/sbin']]) {
    layer.symlink(link, target);
  }
  for (const d of ['usr/local/bin', 'usr/sbin', 'var/log', 'root', 'home/app', 'etc', 'proc', 'sys', 'dev', 'run']) layer.dir(d);
  layer.dir('tmp', 0o1777);
  layer.dir('root', 0o700);
  layer.file('etc/passwd', Buffer.from('root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n'));
  layer.file('etc/group', Buffer.from('root:x:0:\napp:x:1000:\nnogroup:x:65534:\n'));
  layer.file('etc/motd', Buffer.from('cube example base image\n'));
  layer.symlink('usr/bin/sh', 'dash');
  await addWithLibraries(layer, BASE_TOOLS);
  return layer;
}

/** The host programs the base layer holds. */
export const BASE_TOOLS = ['dash', 'sleep', 'env', 'cat', 'echo', 'ls', 'id', 'true', 'mkdir', 'rm', 'printf'].map((t) => `/usr/bin/${t}`);

/** Starts a layout in a temporary directory next to `outDir`; returns its path. */
export async function startLayout(outDir) {
  const temp = `${outDir}.tmp-${process.pid}`;
  await rm(temp, { recursive: true, force: true });
  await mkdir(join(temp, 'blobs', 'sha256'), { recursive: true });
  return temp;
}

/** Writes the index and moves the finished layout into place. */
export async function finishLayout(temp, outDir, manifests) {
  await writeFile(join(temp, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(join(temp, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests }, null, 2));
  await rm(outDir, { recursive: true, force: true });
  await rename(temp, outDir);
}
