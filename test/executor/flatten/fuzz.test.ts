/**
 * Mutated layer tars: flattening either builds a tree (and sealing an image e2fsck accepts) or
 * fails with a diagnostic naming the layer, never with another exception (which the CLI would
 * report as a bug) and never hangs.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DiagnosticError } from '../../../src/core/diagnostics/index.js';
import { createExt4Writer } from '../../../src/executor/ext4/index.js';
import { flattenLayers } from '../../../src/executor/flatten/index.js';
import { expectClean, imageDir } from '../../helpers/ext4.js';
import { buildTar, flattenOutcome, memoryLayer } from '../../helpers/layers.js';
import { paxRecord, tarWithPax } from '../../helpers/raw-tar.js';

const seeds = await Promise.all([
  buildTar([
    { name: 'etc/' },
    { name: 'etc/passwd', content: 'root:x:0:0::/root:/bin/sh\n' },
    { name: 'bin/sh', content: 'ELF'.repeat(300), mode: 0o755 },
    { name: 'bin/ash', type: 'link', linkname: 'bin/sh' },
    { name: 'usr/bin/env', type: 'symlink', linkname: '../../bin/sh' },
    { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3 },
    { name: `deep/${'d/'.repeat(60)}file`, content: 'x' },
    { name: 'etc/.wh.gone', content: '' },
  ]),
  Promise.resolve(tarWithPax('usr/bin/ping', Buffer.from('ELF'), [paxRecord('SCHILY.xattr.security.capability', Buffer.from([1, 0, 0, 2, 0x80])), paxRecord('path', Buffer.from('usr/bin/ping2'))])),
]);

/** One mutation: overwrite bytes at a position (headers are the first 512 bytes of each member). */
const mutation = fc.record({ at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 12 }), headerBias: fc.boolean() });

async function flattenOrDiagnose(tar: Buffer): Promise<'ok' | 'diagnostic'> {
  const layer = memoryLayer(tar);
  const outcome = await flattenOutcome([layer]);
  if (outcome === 'ok') return 'ok';
  expect(outcome.message).toContain(layer.digest);
  return 'diagnostic';
}

describe('flattening mutated layers', () => {
  it('builds a tree or reports a diagnostic naming the layer, for every mutation', async () => {
    const outcomes = { ok: 0, diagnostic: 0 };
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.nat(4096), async (seed, mutations, cut) => {
        const tar = Buffer.from(seed);
        for (const m of mutations) {
          // Most interesting bytes are in headers: bias half the mutations to a header block.
          const position = m.headerBias ? (m.at % Math.ceil(tar.length / 512)) * 512 + (m.at % 512) : m.at % tar.length;
          tar.set(m.bytes.subarray(0, Math.max(0, tar.length - position)), position);
        }
        const truncated = cut > 0 && cut < tar.length ? tar.subarray(0, tar.length - cut) : tar;
        outcomes[await flattenOrDiagnose(Buffer.from(truncated))]++;
      }),
      { seed: 18, numRuns: 300 },
    );
    // Both outcomes occur, so the property tests both paths.
    expect(outcomes.ok).toBeGreaterThan(0);
    expect(outcomes.diagnostic).toBeGreaterThan(0);
  }, 120_000);
});

describe('sealing mutated layers', () => {
  it('writes an image e2fsck accepts, or reports a diagnostic, for every mutation', async () => {
    const dir = await imageDir();
    try {
      let n = 0;
      let sealed = 0;
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 3 }), async (seed, mutations) => {
          const tar = Buffer.from(seed);
          for (const m of mutations) {
            const position = m.headerBias ? (m.at % Math.ceil(tar.length / 512)) * 512 + (m.at % 512) : m.at % tar.length;
            tar.set(m.bytes.subarray(0, Math.max(0, tar.length - position)), position);
          }
          const path = join(dir, `${n++}.ext4`);
          const writer = await createExt4Writer(path, { seed: 'fuzz' });
          try {
            await flattenLayers([memoryLayer(tar)], writer);
            await writer.close();
          } catch (error) {
            await writer.abort();
            if (!(error instanceof DiagnosticError)) throw error;
            return;
          }
          await expectClean(path);
          sealed++;
        }),
        { seed: 18, numRuns: 60 },
      );
      expect(sealed).toBeGreaterThan(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
