// Measures flattening throughput: layers of many small files plus one large file, flattened into
// a sink that discards data. Run after `npm run build`: node bench/flatten.js [files] [bigMiB]
import { Readable } from 'node:stream';
import { pack } from 'tar-stream';
import { flattenLayers } from '../dist/executor/flatten/index.js';

const files = Number(process.argv[2] ?? 20000);
const bigMiB = Number(process.argv[3] ?? 256);

async function tarOf(entries) {
  const p = pack();
  const out = (async () => {
    const chunks = [];
    for await (const c of p) chunks.push(c);
    return Buffer.concat(chunks);
  })();
  for (const [name, data] of entries) await new Promise((res, rej) => p.entry({ name }, data, (e) => (e ? rej(e) : res())));
  p.finalize();
  return out;
}

const small = await tarOf(Array.from({ length: files }, (_, i) => [`usr/share/d${i % 100}/f${i}`, Buffer.alloc(512, i % 251)]));
const big = await tarOf([['opt/big.bin', Buffer.alloc(bigMiB * 1024 * 1024, 7)]]);
const layers = [small, big].map((tar, i) => ({ digest: `sha256:${String(i).repeat(64)}`, open: async () => Readable.from([tar]) }));
let bytes = 0;
const sink = {
  async create() {},
  async write(d) { bytes += d.length; },
  async link() {},
  async remove() {},
  async close() {},
};
const start = process.hrtime.bigint();
await flattenLayers(layers, sink);
const ms = Number(process.hrtime.bigint() - start) / 1e6;
const total = small.length + big.length;
console.log(`flatten: ${files} small files + ${bigMiB} MiB file, ${(total / 1048576).toFixed(1)} MiB tar (two passes) in ${ms.toFixed(0)} ms = ${((total / 1048576) / (ms / 1000)).toFixed(0)} MiB/s; ${bytes} data bytes written`);
