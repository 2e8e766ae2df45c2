/**
 * Registry auth: docker-registry with `auth: silly` (every request needs an Authorization
 * header, answered by a Bearer challenge) in front of a small local token service that checks
 * the scope and the credentials cube read from $DOCKER_CONFIG/config.json.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drain } from '../../helpers/streams.js';
import { DiagnosticError } from '../../../src/core/diagnostics/index.js';
import { createImageSources } from '../../../src/executor/image/index.js';
import { findCredentials } from '../../../src/executor/image/credentials.js';
import { buildTar } from '../../helpers/layers.js';
import { freePort, pushImage, startRegistry } from '../../helpers/registry.js';
import type { Registry } from '../../helpers/registry.js';

let registry: Registry;
let tokens: Server;
let work: string;
const requests: { scope: string | null; authorization: string | undefined }[] = [];
let refuse = false;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cube-auth-'));
  const port = await freePort();
  tokens = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push({ scope: url.searchParams.get('scope'), authorization: req.headers.authorization });
    if (refuse || req.headers.authorization !== `Basic ${Buffer.from('alice:s3cret').toString('base64')}`) {
      res.writeHead(401).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: 'granted', expires_in: 300 }));
  });
  await new Promise<void>((resolve) => tokens.listen(port, '127.0.0.1', resolve));
  registry = await startRegistry(`auth:\n  silly:\n    realm: http://127.0.0.1:${port}/token\n    service: cube-test\n`);
  const tar = await buildTar([{ name: 'f', content: 'secret layer' }]);
  await pushImage(registry.host, 'private/app', 'v1', [{ tar, compression: 'gzip' }, { tar: await buildTar([{ name: 'g', content: 'two' }]), compression: 'gzip' }], {}, undefined, { authorization: 'Bearer push' });
  await mkdir(join(work, 'docker'), { recursive: true });
  await writeFile(join(work, 'docker', 'config.json'), JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from('alice:s3cret').toString('base64') } } }));
}, 60_000);

afterAll(async () => {
  await registry.stop();
  await new Promise((resolve) => tokens.close(resolve));
  await rm(work, { recursive: true, force: true });
});

describe('registry auth', () => {
  it('answers the Bearer challenge with credentials from config.json, once per scope', async () => {
    requests.length = 0;
    const sources = createImageSources({ cacheDir: join(work, 'cache'), env: { DOCKER_CONFIG: join(work, 'docker') } });
    const image = await sources.resolver.resolve({ transport: 'registry', registry: registry.host, repository: 'private/app', tag: 'v1' }, { contextDir: work });
    await drain(await sources.layers.openLayer(image, 0));
    await drain(await sources.layers.openLayer(image, 1));
    expect(requests).toEqual([{ scope: 'repository:private/app:pull', authorization: `Basic ${Buffer.from('alice:s3cret').toString('base64')}` }]);
  });

  it('a refused token is a clear auth error that does not leak the credentials', async () => {
    refuse = true;
    try {
      const sources = createImageSources({ cacheDir: join(work, 'cache2'), env: { DOCKER_CONFIG: join(work, 'docker') } });
      await sources.resolver.resolve({ transport: 'registry', registry: registry.host, repository: 'private/app', tag: 'v1' }, { contextDir: work });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DiagnosticError);
      const text = JSON.stringify((error as DiagnosticError).diagnostics);
      expect(text).toContain('CUBE3111');
      expect(text).not.toContain('s3cret');
      expect(text).not.toContain(Buffer.from('alice:s3cret').toString('base64'));
    } finally {
      refuse = false;
    }
  });

  it('asks a docker-credential helper named in credHelpers', async () => {
    const bin = join(work, 'bin');
    await mkdir(bin, { recursive: true });
    await writeFile(
      join(bin, 'docker-credential-cubetest'),
      `#!/bin/sh\nread server\n[ "$1" = get ] && [ "$server" = "${registry.host}" ] && echo '{"ServerURL":"'$server'","Username":"alice","Secret":"s3cret"}' && exit 0\necho "credentials not found" >&2; exit 1\n`,
      { mode: 0o755 },
    );
    await mkdir(join(work, 'helper-config'), { recursive: true });
    await writeFile(join(work, 'helper-config', 'config.json'), JSON.stringify({ credHelpers: { [registry.host]: 'cubetest' } }));
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path ?? ''}`;
    try {
      expect(await findCredentials(registry.host, { DOCKER_CONFIG: join(work, 'helper-config'), HOME: work })).toEqual({ username: 'alice', password: 's3cret' });
      requests.length = 0;
      const sources = createImageSources({ cacheDir: join(work, 'cache-helper'), env: { DOCKER_CONFIG: join(work, 'helper-config'), HOME: work } });
      await sources.resolver.resolve({ transport: 'registry', registry: registry.host, repository: 'private/app', tag: 'v1' }, { contextDir: work });
      expect(requests[0]?.authorization).toBe(`Basic ${Buffer.from('alice:s3cret').toString('base64')}`);
    } finally {
      process.env.PATH = path;
    }
  });

  it('reads REGISTRY_AUTH_FILE first, identity tokens, and Docker Hub aliases', async () => {
    const file = join(work, 'auth.json');
    await writeFile(file, JSON.stringify({ auths: { 'https://index.docker.io/v1/': { identitytoken: 'refresh-me' }, 'ghcr.io': { username: 'u', password: 'p' } } }));
    expect(await findCredentials('docker.io', { REGISTRY_AUTH_FILE: file, HOME: work })).toEqual({ identityToken: 'refresh-me' });
    expect(await findCredentials('ghcr.io', { REGISTRY_AUTH_FILE: file, HOME: work })).toEqual({ username: 'u', password: 'p' });
    expect(await findCredentials('quay.io', { REGISTRY_AUTH_FILE: file, HOME: work })).toBeUndefined();
  });
});
