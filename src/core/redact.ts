/**
 * Credentials never reach an output: every URL cube prints or logs goes through
 * {@link redactUrl} first. A registry's blob redirect or token realm may carry `user:password@`
 * or a signed query (`X-Amz-Signature=…`, `token=…`); the host and path stay, so the message
 * still says where, and query parameter names stay, so it still says what kind of URL it was.
 */

const HIDDEN = '***';

/** `url` with its userinfo and every query value replaced by `***`; text that is not a URL keeps only what cannot be a credential. */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not a URL: still hide anything shaped like `scheme://user:pass@` and `name=value` pairs.
    return url.replace(/(\/\/)[^/@\s]*@/g, `$1${HIDDEN}@`).replace(/([?&][^=&\s]+=)[^&\s]*/g, `$1${HIDDEN}`);
  }
  const userinfo = parsed.username !== '' || parsed.password !== '' ? `${HIDDEN}@` : '';
  const names = [...new Set(parsed.searchParams.keys())];
  const query = names.length > 0 ? `?${names.map((name) => `${encodeURIComponent(name)}=${HIDDEN}`).join('&')}` : '';
  return `${parsed.protocol}//${userinfo}${parsed.host}${parsed.pathname}${query}`;
}

/** `text` (an error message, say) with every URL in it passed through {@link redactUrl}. */
export function redactUrlsIn(text: string): string {
  return text.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi, (url) => redactUrl(url));
}
