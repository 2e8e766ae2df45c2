/**
 * Content digests. Every digest cube records, compares or prints is a `sha256:<64 hex>` string;
 * the template type keeps a bare hex string from slipping into a field that expects a digest.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { z } from 'zod';

/** A content digest in OCI form: `sha256:` followed by 64 lowercase hex digits. */
export type Digest = `sha256:${string}`;

/** The one pattern of a digest; every schema and check uses it (through {@link digestSchema} or {@link isDigest}). */
export const DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/;

/** The zod schema of a digest, for every document cube reads or writes. */
export const digestSchema = z.string().regex(DIGEST_PATTERN) as unknown as z.ZodType<Digest>;

/** Whether `value` is a well-formed sha256 digest. */
export function isDigest(value: string): value is Digest {
  return DIGEST_PATTERN.test(value);
}

/** The sha256 digest of `data`. */
export function sha256Digest(data: Uint8Array | string): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** The sha256 digest of a file's contents, read in 1 MiB chunks. */
export async function sha256File(path: string): Promise<Digest> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

/** The short form used in human output: the first 12 hex digits, as `docker images` shows. */
export function shortDigest(digest: Digest): string {
  return digest.slice('sha256:'.length, 'sha256:'.length + 12);
}
