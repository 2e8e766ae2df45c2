/**
 * An HTTP proxy in front of a real registry that injects faults into chosen requests: error
 * statuses, 429 with Retry-After, bodies cut short, dropped connections, requests never answered, Range ignored. It records every
 * request so tests can see retries and Range resumes.
 */
import { createServer, request as httpRequest } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/** One fault, applied to the next request whose path matches. */
export type Fault =
  | { readonly match: RegExp; readonly status: number; readonly retryAfter?: number }
  | { readonly match: RegExp; readonly truncateAfter: number }
  | { readonly match: RegExp; readonly drop: true }
  | { readonly match: RegExp; readonly stallAfter: number }
  | { readonly match: RegExp; readonly redirectTo: (path: string) => string }
  | { readonly match: RegExp; readonly corrupt: true }
  /** The request is taken and never answered (a registry that hangs mid-upload). */
  | { readonly match: RegExp; readonly hang: true }
  /** The request reaches the registry without its Range header, so the whole blob comes back (200). */
  | { readonly match: RegExp; readonly ignoreRange: true };

/** A running proxy. */
export interface FaultProxy {
  readonly host: string;
  readonly faults: Fault[];
  readonly seen: { method: string; path: string; range?: string; authorization?: string }[];
  stop(): Promise<void>;
}

/** Starts a proxy to `target` (`127.0.0.1:PORT`) on a random loopback port. */
export async function startFaultProxy(target: string, options: { requireBasic?: boolean } = {}): Promise<FaultProxy> {
  const faults: Fault[] = [];
  const seen: FaultProxy['seen'] = [];
  const [targetHost, targetPort] = target.split(':');
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '/';
    seen.push({ method: req.method ?? 'GET', path, ...(req.headers.range ? { range: req.headers.range } : {}), ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
    // With Basic required, requests without credentials get the challenge a private registry sends.
    if (options.requireBasic && !req.headers.authorization) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="registry"' });
      res.end();
      return;
    }
    const index = faults.findIndex((f) => f.match.test(path));
    const fault = index === -1 ? undefined : faults.splice(index, 1)[0];
    if (fault && 'status' in fault) {
      res.writeHead(fault.status, fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {});
      res.end();
      return;
    }
    if (fault && 'redirectTo' in fault) {
      res.writeHead(307, { location: fault.redirectTo(path) });
      res.end();
      return;
    }
    if (fault && 'hang' in fault) return;
    if (fault && 'drop' in fault) {
      req.socket.destroy();
      return;
    }
    const { range: _range, ...unranged } = req.headers;
    const headers = fault && 'ignoreRange' in fault ? unranged : req.headers;
    const upstream = httpRequest({ host: targetHost, port: Number(targetPort), path, method: req.method, headers: { ...headers, host: target } }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      if (fault && 'stallAfter' in fault) {
        // The first bytes, then silence: the connection stays open and sends nothing more.
        let sent = 0;
        up.on('data', (chunk: Buffer) => {
          const room = fault.stallAfter - sent;
          if (room <= 0) return;
          sent += Math.min(room, chunk.length);
          res.write(chunk.subarray(0, room));
        });
        return;
      }
      if (fault && 'truncateAfter' in fault) {
        let sent = 0;
        up.on('data', (chunk: Buffer) => {
          const room = fault.truncateAfter - sent;
          if (room <= 0) return;
          const part = chunk.subarray(0, room);
          sent += part.length;
          res.write(part);
          if (sent >= fault.truncateAfter) {
            up.destroy();
            res.socket?.destroy();
          }
        });
        up.on('end', () => res.end());
        return;
      }
      if (fault && 'corrupt' in fault) {
        let first = true;
        up.on('data', (chunk: Buffer) => {
          if (first && chunk.length > 0) {
            chunk[0] = (chunk[0] as number) ^ 0xff;
            first = false;
          }
          res.write(chunk);
        });
        up.on('end', () => res.end());
        return;
      }
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    host: `127.0.0.1:${port}`,
    faults,
    seen,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
