/**
 * Manifests, indexes and configs as a registry or a layout might serve them, mutated or
 * arbitrary: parsing gives a document or a diagnostic, never another exception (which the CLI
 * would report as a bug in cube).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DiagnosticError } from '../../../src/core/diagnostics/index.js';
import { sha256Digest } from '../../../src/core/digest.js';
import { layerDescriptors, parseConfig, parseDocument } from '../../../src/executor/image/manifest.js';

const digest = sha256Digest('blob');
const manifest = JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest, size: 10 },
  layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest, size: 5 }],
});
const index = JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.index.v1+json',
  manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size: 3, platform: { os: 'linux', architecture: 'amd64' } }],
});
const config = JSON.stringify({
  architecture: 'amd64',
  os: 'linux',
  config: { Env: ['A=b'], Cmd: ['sh'], User: 'root', ExposedPorts: { '80/tcp': {} } },
  rootfs: { type: 'layers', diff_ids: [digest] },
});

/** Parses `bytes` every way a source does; returns how many parses succeeded. */
function parseAll(bytes: Uint8Array): number {
  let ok = 0;
  const attempt = (parse: () => unknown): void => {
    try {
      parse();
      ok++;
    } catch (error) {
      if (!(error instanceof DiagnosticError)) throw error;
    }
  };
  attempt(() => {
    const doc = parseDocument(bytes, undefined, 'document');
    if (doc.kind === 'manifest') layerDescriptors(doc.layers, [digest], 'document');
  });
  attempt(() => parseConfig(bytes, 'config'));
  return ok;
}

describe('image documents', () => {
  it('parse the valid seeds', () => {
    expect([manifest, index, config].map((text) => parseAll(Buffer.from(text)))).toEqual([1, 1, 1]);
  });

  it('give a document or a diagnostic when mutated', () => {
    const edit = fc.record({ at: fc.nat(), text: fc.string({ maxLength: 6 }) });
    fc.assert(
      fc.property(fc.constantFrom(manifest, index, config), fc.array(edit, { minLength: 1, maxLength: 4 }), (seed, edits) => {
        let text = seed;
        for (const e of edits) {
          const at = e.at % (text.length + 1);
          text = text.slice(0, at) + e.text + text.slice(at + e.text.length);
        }
        parseAll(Buffer.from(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('give a diagnostic for JSON that is not an object (null, arrays, numbers)', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => void parseAll(Buffer.from(JSON.stringify(value)))), { numRuns: 2000 });
    expect(() => parseDocument(Buffer.from('null'), undefined, 'manifest')).toThrow(/not a JSON object/);
  });
});
