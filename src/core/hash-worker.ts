/**
 * sha256 of a file on another core: a worker thread reads the file and hashes it while the
 * calling thread does what needs no digest (a sealed image's base-data checksum, its entry's
 * documents). The worker is a few lines of its own, with nothing to load but Node's modules.
 */
import { Worker } from 'node:worker_threads';
import type { Digest } from './digest.js';

const HASH_FILE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { closeSync, openSync, readSync } = require('node:fs');
const hash = createHash('sha256');
const buffer = Buffer.allocUnsafe(1 << 20);
const fd = openSync(workerData, 'r');
try {
  for (let read = readSync(fd, buffer, 0, buffer.length, null); read > 0; read = readSync(fd, buffer, 0, buffer.length, null)) hash.update(buffer.subarray(0, read));
} finally {
  closeSync(fd);
}
parentPort.postMessage('sha256:' + hash.digest('hex'));
`;

/** The sha256 digest of the file at `path`, read and hashed on a worker thread. */
export function digestFileInWorker(path: string): Promise<Digest> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(HASH_FILE, { eval: true, workerData: path });
    let digest: Digest | undefined;
    worker.once('message', (message: Digest) => {
      digest = message;
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (digest !== undefined) resolve(digest);
      else reject(new Error(`hashing ${path} stopped with exit code ${code}`));
    });
  });
}
