/**
 * The host side of the sandbox's network: free loopback ports for the manifest's exposed ports,
 * and the readiness probe, a plain HTTP GET through the forwarded port.
 */
import { createSocket } from 'node:dgram';
import { request } from 'node:http';
import { createServer } from 'node:net';
import type { LaunchManifest } from '../executor/launch/index.js';
import type { PortForward } from './qemu-args.js';

const LOOPBACK = '127.0.0.1';

/** A free port of one protocol on 127.0.0.1, held open until `release` so two picks never collide. */
async function holdPort(protocol: 'tcp' | 'udp'): Promise<{ port: number; release: () => Promise<void> }> {
  if (protocol === 'udp') {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => socket.once('error', reject).bind(0, LOOPBACK, resolve));
    return { port: socket.address().port, release: () => new Promise((resolve) => socket.close(() => resolve())) };
  }
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, LOOPBACK, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return { port, release: () => new Promise((resolve) => server.close(() => resolve())) };
}

/**
 * A host port for each exposed port. The ports are released just before qemu binds them; another
 * process taking one in between makes qemu fail to start, which is reported like any qemu error.
 */
export async function pickHostPorts(exposed: LaunchManifest['exposedPorts']): Promise<PortForward[]> {
  const held: { forward: PortForward; release: () => Promise<void> }[] = [];
  try {
    for (const p of exposed) {
      const { port, release } = await holdPort(p.protocol);
      held.push({ forward: { protocol: p.protocol, guest: p.port, host: port }, release });
    }
  } finally {
    await Promise.all(held.map((h) => h.release()));
  }
  return held.map((h) => h.forward);
}

/** The status of `GET http://127.0.0.1:port/path`, or undefined when nothing answered within `timeoutMs`. */
export function httpStatus(port: number, path: string, timeoutMs: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = request({ host: LOOPBACK, port, path, method: 'GET', agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}
