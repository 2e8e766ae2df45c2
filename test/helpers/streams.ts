/** Reading a whole stream in tests. */
import type { Readable } from 'node:stream';

/** Reads `stream` to its end and returns its bytes. */
export async function drain(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
