/**
 * What sealing is asked for and what it reports, and the filesystem's identity: the UUID and
 * directory hash seed are derived from the caller's seed, so the same seed and entries give the
 * same bytes.
 */
import { createHash } from 'node:crypto';
import { Checksums } from '../csum.js';

/** Options of the ext4 writer. */
export interface Ext4Options {
  /** Seeds the filesystem UUID and directory hash seed: the same seed and entries give the same bytes. */
  readonly seed: string;
  /** Superblock timestamps and implicit directories' times (SOURCE_DATE_EPOCH); default 0. */
  readonly timestamp?: number;
  /** A fixed image size in bytes (rounded up to 2 MiB); the content must fit. */
  readonly size?: number;
  /** Free space to leave for the running sandbox, in bytes. */
  readonly free?: number;
  readonly journal?: boolean;
  readonly metadataCsum?: boolean;
  readonly dirIndex?: boolean;
  /** Store all-zero blocks of file data as holes instead of allocating them. */
  readonly holes?: boolean;
  readonly label?: string;
}

/** What sealing produced. */
export interface Ext4Result {
  /** Bytes of the image file: a multiple of 2 MiB. */
  readonly size: number;
  readonly uuid: string;
  readonly blockSize: number;
  readonly inodes: number;
  readonly blocks: number;
}

/** The values every image derives from its seed. */
export interface FsIdentity {
  /** The filesystem UUID (a version 4 UUID in form). */
  readonly uuid: Buffer;
  /** The directory hash seed. */
  readonly hashSeed: Buffer;
  /** Checksums seeded from the UUID, when metadata_csum is on. */
  readonly csum: Checksums | undefined;
}

function seeded(seed: string, what: string): Buffer {
  return createHash('sha256').update(`${what}\0${seed}`).digest().subarray(0, 16);
}

/** The UUID, hash seed and checksum state of an image sealed with `options`. */
export function fsIdentity(options: Pick<Ext4Options, 'seed' | 'metadataCsum'>): FsIdentity {
  const uuid = Buffer.from(seeded(options.seed, 'uuid'));
  // Version 4 and the RFC 4122 variant, so tools show it as an ordinary random UUID.
  uuid[6] = ((uuid[6] as number) & 0x0f) | 0x40;
  uuid[8] = ((uuid[8] as number) & 0x3f) | 0x80;
  return { uuid, hashSeed: seeded(options.seed, 'hash'), csum: options.metadataCsum ? new Checksums(uuid) : undefined };
}

/** A UUID in its usual 8-4-4-4-12 text form. */
export function formatUuid(u: Uint8Array): string {
  const h = Buffer.from(u).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
