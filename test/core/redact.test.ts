/** redactUrl: no credential survives, and what is left still says where. */
import { describe, expect, it } from 'vitest';
import { redactUrl, redactUrlsIn } from '../../src/core/redact.js';

describe('redactUrl', () => {
  it.each([
    ['https://user:secret@blobs.example/v2/x?X-Amz-Signature=abc&X-Amz-Credential=k%2F1', 'https://***@blobs.example/v2/x?X-Amz-Signature=***&X-Amz-Credential=***'],
    ['https://auth.example/token?service=reg&scope=repo:x:pull&token=t0ps3cret', 'https://auth.example/token?service=***&scope=***&token=***'],
    ['https://token@auth.example/', 'https://***@auth.example/'],
    ['http://127.0.0.1:5000/v2/', 'http://127.0.0.1:5000/v2/'],
    ['https://r.example/a?x=1&x=2', 'https://r.example/a?x=***'],
    ['ftp://u:p@files.example/blob', 'ftp://***@files.example/blob'],
  ])('%s', (url, want) => {
    expect(redactUrl(url)).toBe(want);
  });

  it('hides credential-shaped parts of text that is not a URL', () => {
    const out = redactUrl('not a url //admin:hunter2@host/x?sig=s3cr3t');
    expect(out).not.toContain('hunter2');
    expect(out).not.toContain('s3cr3t');
    expect(out).toContain('host/x');
  });

  it('finds every URL in a message', () => {
    expect(redactUrlsIn('GET https://u:p@a.example/x?t=1 failed, then http://b.example/ too')).toBe('GET https://***@a.example/x?t=*** failed, then http://b.example/ too');
  });
});
