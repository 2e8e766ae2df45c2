#!/usr/bin/env node
// Child process of bench/ext4.js: writes the host directory argv[2] into an ext4 image at
// argv[3] with cube's writer, so /usr/bin/time measures this process alone.
import { closeSync, lstatSync, openSync, readdirSync, readlinkSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { createExt4Writer } from '../dist/executor/ext4/index.js';

const [root, image] = process.argv.slice(2);
const writer = await createExt4Writer(image, { seed: 'bench' });
const seen = new Map();
const time = (t) => ({ sec: Math.floor(Number(t) / 1e9), nsec: Number(BigInt(t) % 1000000000n) });

// Reading with blocking calls, as mke2fs does: the harness should cost as little as possible.
const buffer = Buffer.alloc(1 << 20);

async function walk(dir, prefix) {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const inside = `${prefix}/${name}`;
    const s = lstatSync(path, { bigint: true });
    const meta = { mode: Number(s.mode) & 0o7777, uid: Number(s.uid), gid: Number(s.gid), mtime: time(s.mtimeNs) };
    const key = `${s.dev}:${s.ino}`;
    if (!s.isDirectory() && s.nlink > 1n && seen.has(key)) {
      await writer.link(seen.get(key), inside);
      continue;
    }
    if (s.isDirectory()) {
      await writer.create(inside, { type: 'dir', ...meta });
      await walk(path, inside);
    } else if (s.isSymbolicLink()) await writer.create(inside, { type: 'symlink', ...meta, linkTarget: readlinkSync(path) });
    else if (s.isFile()) {
      await writer.create(inside, { type: 'file', ...meta, size: Number(s.size) });
      const fd = openSync(path, 'r');
      for (;;) {
        const bytesRead = readSync(fd, buffer, 0, buffer.length);
        if (bytesRead === 0) break;
        await writer.write(buffer.subarray(0, bytesRead));
      }
      closeSync(fd);
      seen.set(key, inside);
    }
  }
}

await walk(root, '');
await writer.close();
