import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/cli/logger.js';

function sink(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      text += chunk.toString();
      callback();
    },
  });
  return { stream, text: () => text };
}

describe('logger', () => {
  it('writes JSON lines with the message and fields', async () => {
    const out = sink();
    createLogger({ format: 'json', stream: out.stream, color: false }).info(
      { path: '/usr/local/bin/envd' },
      'envd baked into rootfs',
    );
    await new Promise((r) => setImmediate(r));
    const line = JSON.parse(out.text().trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 30, msg: 'envd baked into rootfs', path: '/usr/local/bin/envd' });
  });

  it('writes one readable line, without colour or fields, when not on a terminal', async () => {
    const out = sink();
    const logger = createLogger({ format: 'human', stream: out.stream, color: false });
    logger.info({ layer: 2 }, 'layer unpacked');
    logger.debug({}, 'hidden at info level');
    await new Promise((r) => setImmediate(r));
    expect(out.text()).toMatch(/^INFO: layer unpacked\n$/);
  });
});
