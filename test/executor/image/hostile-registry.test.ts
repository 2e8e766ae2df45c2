/**
 * A registry that misbehaves, played by a small local HTTP server: a redirect loop, a redirect
 * or token realm that is not a URL, a token service that answers garbage. Each ends in a
 * diagnostic, quickly, never in a hang or an exception the CLI would call a bug.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiagnosticError } from '../../../src/core/diagnostics/index.js';
import { createImageSources } from '../../../src/executor/image/index.js';

let server: Server;
let host: string;
let work: string;
let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(404).end();

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cube-hostile-'));
  server = createServer((req, res) => handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  host = `127.0.0.1:${address.port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(work, { recursive: true, force: true });
});

async function resolveFailure(): Promise<{ code: string; message: string }> {
  const sources = createImageSources({ cacheDir: join(work, 'cache'), retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 20, stallMs: 1000 } });
  const error = await sources.resolver.resolve({ transport: 'registry', registry: host, repository: 'team/app', tag: 'v1' }, { contextDir: work }).catch((e: unknown) => e);
  if (!(error instanceof DiagnosticError)) throw error;
  const d = error.diagnostics[0];
  return { code: d?.code ?? '', message: d?.message ?? '' };
}

describe('a misbehaving registry', () => {
  it('redirecting forever is stopped after 20 redirects', async () => {
    let seen = 0;
    handle = (req, res) => {
      seen++;
      res.writeHead(307, { location: req.url ?? '/' }).end();
    };
    const failure = await resolveFailure();
    expect(failure.code).toBe('CUBE3110');
    expect(failure.message).toContain('more than 20 redirects');
    expect(seen).toBe(21);
  });

  it('a redirect that is not an http(s) URL is refused', async () => {
    handle = (_req, res) => res.writeHead(302, { location: 'http://[' }).end();
    expect((await resolveFailure()).message).toContain('a redirect to "http://[", which is not a URL');
    handle = (_req, res) => res.writeHead(302, { location: 'file:///etc/passwd' }).end();
    expect((await resolveFailure()).message).toContain('a redirect to file:');
  });

  it('never prints the credentials a redirect or a token realm carries', async () => {
    let seen = 0;
    handle = (req, res) => res.writeHead(307, { location: `http://robot:hunter2@${host}${req.url ?? '/'}?sig=s3cr3t&n=${seen++}` }).end();
    const loop = await resolveFailure();
    expect(loop.message).toContain('more than 20 redirects');
    expect(loop.message).toContain(`http://***@${host}/`);
    handle = (_req, res) => res.writeHead(401, { 'www-authenticate': 'Bearer realm="ftp://robot:hunter2@auth.example/token?token=s3cr3t",service="x"' }).end();
    const realm = await resolveFailure();
    expect(realm.message).toContain('ftp://***@auth.example/token?token=***');
    for (const message of [loop.message, realm.message]) expect(message).not.toMatch(/hunter2|s3cr3t/);
  });

  it('a token realm that is not a URL, or a token service answering garbage, is an auth failure', async () => {
    handle = (_req, res) => res.writeHead(401, { 'www-authenticate': 'Bearer realm="not a url",service="x"' }).end();
    expect(await resolveFailure()).toMatchObject({ code: 'CUBE3111', message: expect.stringContaining('token realm "not a url" that is not a URL') });
    handle = (req, res) => {
      if (req.url?.startsWith('/token')) res.writeHead(200, { 'content-type': 'application/json' }).end('<html>not json</html>');
      else res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${host}/token",service="x"` }).end();
    };
    expect(await resolveFailure()).toMatchObject({ code: 'CUBE3111', message: expect.stringContaining('returned no token') });
    handle = (req, res) => {
      if (req.url?.startsWith('/token')) res.writeHead(200, { 'content-type': 'application/json' }).end('null');
      else res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${host}/token",service="x"` }).end();
    };
    expect((await resolveFailure()).message).toContain('returned no token');
  });

  it('a registry that accepts the connection and never answers fails after the stall timeout', async () => {
    handle = () => undefined;
    const started = Date.now();
    const failure = await resolveFailure();
    expect(failure.code).toBe('CUBE3110');
    expect(failure.message).toContain('no response in 1000 ms');
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
