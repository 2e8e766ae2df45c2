/**
 * A real registry for tests: Debian's `docker-registry` (CNCF distribution) on 127.0.0.1 with a
 * random port and a temporary storage directory, started per test file and stopped by PID, with
 * htpasswd auth when asked; and a small pusher speaking the distribution API (monolithic blob
 * uploads, manifest PUT).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { ResultPromise } from 'execa';

/** A running registry. */
export interface Registry {
  /** `127.0.0.1:PORT`. */
  readonly host: string;
  readonly storage: string;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Starts docker-registry; `extra` is appended to its YAML config (auth, proxy). */
export async function startRegistry(extra = ''): Promise<Registry> {
  const dir = await mkdtemp(join(tmpdir(), 'cube-registry-'));
  const port = await freePort();
  const storage = join(dir, 'storage');
  const config = join(dir, 'config.yml');
  await writeFile(
    config,
    `version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${storage}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:${port}
${extra}`,
  );
  const child: ResultPromise = execa('docker-registry', ['serve', config], { reject: false, stdio: 'ignore' });
  const host = `127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      const response = await fetch(`http://${host}/v2/`);
      if (response.status === 200 || response.status === 401) break;
    } catch {
      if (i > 200) throw new Error('docker-registry did not start');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    host,
    storage,
    async stop() {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGTERM');
      await child;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A registry user for htpasswd auth, and the headers and Docker config that carry it. */
export interface RegistryUser {
  readonly username: string;
  readonly password: string;
  /** `{ authorization: 'Basic …' }`, for the push helpers below. */
  readonly headers: Record<string, string>;
}

/**
 * A user and the registry config lines (for {@link startRegistry}) that require it, with the
 * password kept bcrypt-hashed in an htpasswd file under `dir`, as distribution wants it.
 */
export async function htpasswdAuth(dir: string, username = 'ci', password = `pw-${Math.random().toString(36).slice(2)}`): Promise<{ user: RegistryUser; config: string }> {
  const { default: bcrypt } = await import('bcryptjs');
  const file = join(dir, 'htpasswd');
  await writeFile(file, `${username}:${bcrypt.hashSync(password, 10)}\n`);
  const headers = { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` };
  return { user: { username, password, headers }, config: `auth:\n  htpasswd:\n    realm: cube-test\n    path: ${file}\n` };
}

/** A Docker config directory under `dir` holding `user`'s credentials for `host` (for `DOCKER_CONFIG`). */
export async function dockerConfigFor(dir: string, host: string, user: RegistryUser): Promise<string> {
  const { mkdir } = await import('node:fs/promises');
  const config = join(dir, 'docker-config');
  await mkdir(config, { recursive: true });
  const auth = Buffer.from(`${user.username}:${user.password}`).toString('base64');
  await writeFile(join(config, 'config.json'), JSON.stringify({ auths: { [host]: { auth } } }));
  return config;
}

/** sha256 digest string of bytes. */
export function digestOf(data: Uint8Array): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** Pushes one blob (monolithic upload). */
export async function pushBlob(host: string, repo: string, data: Uint8Array, headers: Record<string, string> = {}): Promise<string> {
  const digest = digestOf(data);
  const start = await fetch(`http://${host}/v2/${repo}/blobs/uploads/`, { method: 'POST', headers });
  if (start.status !== 202) throw new Error(`upload start: ${start.status} ${await start.text()}`);
  const location = new URL(start.headers.get('location') as string, `http://${host}`);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, { method: 'PUT', body: data, headers: { ...headers, 'content-type': 'application/octet-stream' } });
  if (put.status !== 201) throw new Error(`upload: ${put.status} ${await put.text()}`);
  return digest;
}

/** Pushes a manifest or index under `reference`; returns its digest. */
export async function pushManifest(host: string, repo: string, reference: string, body: unknown, mediaType: string, headers: Record<string, string> = {}): Promise<string> {
  const bytes = Buffer.from(JSON.stringify(body));
  const put = await fetch(`http://${host}/v2/${repo}/manifests/${reference}`, { method: 'PUT', body: bytes, headers: { ...headers, 'content-type': mediaType } });
  if (put.status !== 201) throw new Error(`manifest: ${put.status} ${await put.text()}`);
  return digestOf(bytes);
}

/** A layer to push: its tar and compression. */
export interface PushLayer {
  readonly tar: Buffer;
  readonly compression: 'gzip' | 'zstd' | 'none';
}

/** Pushes an image (layers, config, manifest) and tags it; returns the manifest descriptor. */
export async function pushImage(
  host: string,
  repo: string,
  tag: string | undefined,
  layers: readonly PushLayer[],
  config: Record<string, unknown> = {},
  platform = { os: 'linux', architecture: 'amd64' },
  headers: Record<string, string> = {},
): Promise<{ digest: string; size: number; mediaType: string; platform: { os: string; architecture: string } }> {
  const { gzipSync } = await import('node:zlib');
  const descriptors = [];
  const diffIds = [];
  for (const layer of layers) {
    const stored =
      layer.compression === 'gzip' ? gzipSync(layer.tar) : layer.compression === 'zstd' ? Buffer.from((await execa('zstd', ['-q', '-c'], { input: layer.tar, encoding: 'buffer' })).stdout) : layer.tar;
    const mediaType = { gzip: 'application/vnd.oci.image.layer.v1.tar+gzip', zstd: 'application/vnd.oci.image.layer.v1.tar+zstd', none: 'application/vnd.oci.image.layer.v1.tar' }[layer.compression];
    descriptors.push({ mediaType, digest: await pushBlob(host, repo, stored, headers), size: stored.length });
    diffIds.push(digestOf(layer.tar));
  }
  const configBytes = Buffer.from(JSON.stringify({ ...platform, config, rootfs: { type: 'layers', diff_ids: diffIds } }));
  const configDigest = await pushBlob(host, repo, configBytes, headers);
  const manifest = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: configBytes.length }, layers: descriptors };
  const bytes = Buffer.from(JSON.stringify(manifest));
  const digest = await pushManifest(host, repo, tag ?? digestOf(bytes), manifest, manifest.mediaType, headers);
  return { digest, size: bytes.length, mediaType: manifest.mediaType, platform };
}

/** Pushes the image tagged `tag` in the OCI layout at `layout` to `repo:tag`. */
export async function pushLayout(host: string, repo: string, tag: string, layout: string, headers: Record<string, string> = {}): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const blob = (digest: string): Promise<Buffer> => readFile(join(layout, 'blobs', 'sha256', digest.slice(7)));
  const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as { manifests: { digest: string; annotations?: Record<string, string> }[] };
  const entry = index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag);
  if (!entry) throw new Error(`no tag ${tag} in ${layout}`);
  const manifest = JSON.parse((await blob(entry.digest)).toString('utf8')) as { mediaType: string; config: { digest: string }; layers: { digest: string }[] };
  for (const d of [manifest.config.digest, ...manifest.layers.map((l) => l.digest)]) await pushBlob(host, repo, await blob(d), headers);
  return pushManifest(host, repo, tag, manifest, manifest.mediaType, headers);
}
