import { describe, expect, it } from 'vitest';
import { diagnosticOf } from '../helpers/diagnostics.js';
import { createLogger, logDiagnostics, requestedLogFormat } from '../../src/cli/logger.js';
import { cliCodes } from '../../src/core/diagnostics/codes-cli.js';
import { textSink } from '../helpers/streams.js';

async function flushed(text: () => string): Promise<string> {
  await new Promise((r) => setImmediate(r));
  return text();
}

describe('logger', () => {
  it('writes JSON lines with a string level, an event, the message and fields', async () => {
    const out = textSink();
    createLogger({ format: 'json', stream: out.stream, color: false }).info({ path: '/usr/local/bin/envd' }, 'envd baked into rootfs');
    const line = JSON.parse((await flushed(out.text)).trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 'info', event: 'log', msg: 'envd baked into rootfs', path: '/usr/local/bin/envd' });
    expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('keeps the event a record names, and writes diagnostics as diagnostic records at their severity', async () => {
    const out = textSink();
    const logger = createLogger({ format: 'json', stream: out.stream, color: false });
    logger.info({ event: 'step', step: 'plan', seconds: 0.5 }, 'planned');
    logDiagnostics(logger, [diagnosticOf(cliCodes.usage, 'cube build: bad option')], new Map());
    const [step, diagnostic] = (await flushed(out.text)).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(step).toMatchObject({ level: 'info', event: 'step', step: 'plan' });
    expect(diagnostic).toMatchObject({ level: 'error', event: 'diagnostic', code: 'CUBE0001', severity: 'error', msg: 'cube build: bad option', hint: cliCodes.usage.hint });
  });

  it('writes one readable line, without colour or fields, when colour is off', async () => {
    const out = textSink();
    const logger = createLogger({ format: 'human', stream: out.stream, color: false });
    logger.info({ layer: 2 }, 'layer unpacked');
    logger.debug({}, 'hidden at info level');
    expect(await flushed(out.text)).toMatch(/^INFO: layer unpacked\n$/);
  });

  it('colours the level when colour is on, and keeps only warnings at the warn level', async () => {
    const out = textSink();
    const logger = createLogger({ format: 'human', stream: out.stream, color: true, level: 'warn' });
    logger.info({}, 'not shown when quiet');
    logger.warn({}, 'shown');
    const text = await flushed(out.text);
    expect(text).toContain('\x1b[');
    expect(text).toContain('shown');
    expect(text).not.toContain('not shown');
  });

  it('finds --log-format json on a command line before it is parsed', () => {
    expect(requestedLogFormat(['build', '--log-format', 'json'])).toBe('json');
    expect(requestedLogFormat(['build', '--log-format=json', '--bogus'])).toBe('json');
    expect(requestedLogFormat(['build', '--log-format', 'human'])).toBe('human');
    expect(requestedLogFormat(['build', '--', '--log-format', 'json'])).toBe('human');
    expect(requestedLogFormat(['build'])).toBe('human');
    expect(requestedLogFormat(['build', '--log-format', 'json', '--log-format', 'human'])).toBe('human');
  });
});
