/**
 * GNU sparse files in the pax format 1.0 (what GNU tar writes with `--sparse --format=posix`):
 * pax records name the file (`GNU.sparse.name`) and its size (`GNU.sparse.realsize`), and the
 * member's data starts with the map — decimal lines: the number of regions, then each region's
 * offset and length — padded to 512 bytes, followed by the regions' bytes. The older 0.x pax
 * forms and the `S` typeflag are refused.
 */
import type { SparseRegion } from '../../core/tree-writer.js';
import type { TarHeader } from './read-layer.js';

/** A parsed sparse member. */
export interface SparseMap {
  readonly name: string;
  readonly realSize: number;
  readonly regions: readonly SparseRegion[];
  /** Bytes of map (with padding) before the data. */
  readonly mapBytes: number;
}

const MAX_REGIONS = 1_000_000;

/** What is wrong with a sparse member, as a message of CUBE3205. */
export type SparseProblem = 'sparsePax0' | 'sparseNoName' | 'sparseMalformed' | 'sparseTooMany' | 'sparseTruncated' | 'sparseOrder';

/** Reads the map from the start of `data`, draining the member. `fail` never returns. */
export async function readSparseMap(header: TarHeader, data: AsyncIterable<Buffer>, fail: (problem: SparseProblem) => never): Promise<SparseMap> {
  const pax = header.pax ?? {};
  if (pax['GNU.sparse.major'] !== '1' || pax['GNU.sparse.minor'] !== '0') fail('sparsePax0');
  const name = pax['GNU.sparse.name'];
  const realSize = Number(pax['GNU.sparse.realsize']);
  if (!name || !Number.isSafeInteger(realSize) || realSize < 0) fail('sparseNoName');
  const numbers: number[] = [];
  let expected = -1;
  let text = '';
  let consumed = 0;
  // The whole member is read (breaking off would abort the tar stream); only the map is kept.
  for await (const chunk of data) {
    if (numbers.length === expected) continue;
    for (const byte of chunk) {
      consumed++;
      if (byte !== 0x0a) {
        if (byte < 0x30 || byte > 0x39 || text.length > 20) fail('sparseMalformed');
        text += String.fromCharCode(byte);
        continue;
      }
      numbers.push(Number(text));
      text = '';
      if (expected < 0) {
        if ((numbers[0] as number) > MAX_REGIONS) fail('sparseTooMany');
        expected = 1 + 2 * (numbers[0] as number);
      }
      if (numbers.length === expected) break;
    }
  }
  if (numbers.length !== expected) fail('sparseTruncated');
  const regions: SparseRegion[] = [];
  let end = 0;
  for (let i = 1; i < numbers.length; i += 2) {
    const offset = numbers[i] as number;
    const length = numbers[i + 1] as number;
    if (offset < end || offset + length > realSize) fail('sparseOrder');
    if (length > 0) regions.push({ offset, length });
    end = offset + length;
  }
  return { name, realSize, regions, mapBytes: Math.ceil(consumed / 512) * 512 };
}
