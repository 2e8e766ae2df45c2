/** Reading a whole stream in tests. */
import { Writable } from 'node:stream';
import type { Readable } from 'node:stream';

/** Reads `stream` to its end and returns its bytes. */
export async function drain(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A writable that keeps what is written, for tests of code that prints. */
export function textSink(): { readonly stream: Writable; text(): string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(Buffer.from(chunk));
      callback();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** A clock that moves only when told, for timings that must not depend on the wall clock. */
export function manualClock(start = 0): { readonly now: () => number; advance(ms: number): void } {
  let at = start;
  return { now: () => at, advance: (ms) => void (at += ms) };
}
