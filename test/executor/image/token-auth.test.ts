/**
 * docker-registry with `auth: token`: JWTs signed by a small local token service whose
 * certificate is the registry's root bundle. cube must follow the Bearer challenge, ask the token
 * service for the scope with the user's credentials, and pull with the token it gets.
 */
import { createSign, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createImageSources } from '../../../src/executor/image/index.js';
import { buildTar } from '../../helpers/layers.js';
import { freePort, pushImage, startRegistry } from '../../helpers/registry.js';
import type { Registry } from '../../helpers/registry.js';
import { drain } from '../../helpers/streams.js';

const SERVICE = 'cube-token-test';
const ISSUER = 'cube-token-issuer';
let work: string;
let registry: Registry;
let tokens: Server;
let key: string;
let certDer: string;
const asked: { scope: string | null; user: string | undefined }[] = [];

const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

function jwt(subject: string, repository: string, actions: string[]): string {
  const header = { alg: 'RS256', typ: 'JWT', x5c: [certDer] };
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: ISSUER, sub: subject, aud: SERVICE, exp: now + 300, nbf: now - 30, iat: now, jti: randomBytes(8).toString('hex'), access: [{ type: 'repository', name: repository, actions }] };
  const body = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  return `${body}.${b64url(createSign('RSA-SHA256').update(body).sign(key))}`;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cube-token-'));
  await execa('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(work, 'key.pem'), '-out', join(work, 'cert.pem'), '-days', '1', '-subj', '/CN=cube-token-test']);
  key = await readFile(join(work, 'key.pem'), 'utf8');
  certDer = (await readFile(join(work, 'cert.pem'), 'utf8')).replace(/-----[A-Z ]+-----|\s/g, '');
  const port = await freePort();
  tokens = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const basic = req.headers.authorization?.startsWith('Basic ') ? Buffer.from(req.headers.authorization.slice(6), 'base64').toString() : undefined;
    asked.push({ scope: url.searchParams.get('scope'), user: basic?.split(':')[0] });
    if (basic !== 'carol:token-pass') {
      res.writeHead(401).end();
      return;
    }
    const [, name = '', actions = ''] = (url.searchParams.get('scope') ?? '').split(':');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: jwt('carol', name, actions.split(',')), expires_in: 300 }));
  });
  await new Promise<void>((resolve) => tokens.listen(port, '127.0.0.1', resolve));
  registry = await startRegistry(`auth:\n  token:\n    realm: http://127.0.0.1:${port}/token\n    service: ${SERVICE}\n    issuer: ${ISSUER}\n    rootcertbundle: ${join(work, 'cert.pem')}\n`);
  const push = { authorization: `Bearer ${jwt('carol', 'secure/app', ['pull', 'push'])}` };
  await pushImage(registry.host, 'secure/app', 'v1', [{ tar: await buildTar([{ name: 'secret', content: 'only with a token' }]), compression: 'gzip' }], {}, undefined, push);
  await mkdir(join(work, 'docker'), { recursive: true });
  await writeFile(join(work, 'docker', 'config.json'), JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from('carol:token-pass').toString('base64') } } }));
}, 60_000);

afterAll(async () => {
  await registry.stop();
  await new Promise((resolve) => tokens.close(resolve));
  await rm(work, { recursive: true, force: true });
});

describe('registry token auth', () => {
  it('pulls with a signed token obtained for the pull scope', async () => {
    asked.length = 0;
    const sources = createImageSources({ cacheDir: join(work, 'cache'), env: { DOCKER_CONFIG: join(work, 'docker'), HOME: work } });
    const image = await sources.resolver.resolve({ transport: 'registry', registry: registry.host, repository: 'secure/app', tag: 'v1' }, { contextDir: work });
    const tar = await drain(await sources.layers.openLayer(image, 0));
    expect(tar.includes(Buffer.from('only with a token'))).toBe(true);
    expect(asked).toEqual([{ scope: 'repository:secure/app:pull', user: 'carol' }]);
  });

  it('without credentials the token service refuses and the error says access was denied', async () => {
    const sources = createImageSources({ cacheDir: join(work, 'cache-anon'), env: { HOME: work } });
    await expect(sources.resolver.resolve({ transport: 'registry', registry: registry.host, repository: 'secure/app', tag: 'v1' }, { contextDir: work })).rejects.toThrow(/CUBE3111/);
  });
});
