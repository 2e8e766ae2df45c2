/**
 * HTTP for registries on Node's own fetch: retries with backoff for 429 (honouring
 * Retry-After), 502/503/504 and dropped connections; redirects followed by hand so
 * `Authorization` never leaves the registry's origin (blob storage redirects); Bearer token and
 * Basic challenges answered from `WWW-Authenticate`, tokens cached per scope until they expire.
 */
import { z } from 'zod';
import { createDiagnostic, DiagnosticError } from '../../core/diagnostics/index.js';
import type { MessageValues } from '../../core/diagnostics/index.js';
import { imageCodes } from '../../core/diagnostics/codes-image.js';
import type { Logger } from '../../core/log.js';
import { redactUrlsIn } from '../../core/redact.js';
import type { Credentials } from './credentials.js';

/** Retry timing (tests shorten it). */
export interface RetryPolicy {
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** A transfer that receives nothing for this long is abandoned and resumed. */
  readonly stallMs?: number;
}

const DEFAULT_STALL_MS = 60_000;

/** The default: 6 attempts, 250 ms doubling to at most 8 s; 60 s without data is a stall. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 250, maxDelayMs: 8000, stallMs: DEFAULT_STALL_MS };

const RETRY_STATUS = new Set([429, 502, 503, 504]);

interface Challenge {
  readonly scheme: 'bearer' | 'basic';
  readonly params: Readonly<Record<string, string>>;
}

/** Parses a `WWW-Authenticate` header. */
export function parseChallenge(header: string | null): Challenge | undefined {
  if (!header) return undefined;
  const match = /^\s*(\w+)\s*(.*)$/.exec(header);
  if (!match) return undefined;
  const scheme = (match[1] as string).toLowerCase();
  if (scheme !== 'bearer' && scheme !== 'basic') return undefined;
  const params: Record<string, string> = {};
  for (const m of (match[2] as string).matchAll(/(\w+)="([^"]*)"|(\w+)=([^,\s]*)/g)) {
    if (m[1] !== undefined) params[m[1].toLowerCase()] = m[2] as string;
    else if (m[3] !== undefined) params[m[3].toLowerCase()] = m[4] as string;
  }
  return { scheme, params };
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function retryAfter(response: Response, fallback: number, max: number): number {
  const header = response.headers.get('retry-after');
  if (!header) return fallback;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now();
  return Math.max(0, Math.min(max, Number.isFinite(ms) ? ms : fallback));
}

const MAX_REDIRECTS = 20;

type Transfer = typeof imageCodes.transferFailed.messages;
type Denied = typeof imageCodes.authFailed.messages;

/** Values with the URLs in them redacted: they come from the registry's answers (redirects, token realms). */
function redacted<V extends Readonly<Record<string, string | number>>>(values: V): V {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, typeof v === 'string' ? redactUrlsIn(v) : v])) as V;
}

/** What a token service answers (Docker's token spec; `access_token` is the OAuth2 name). */
const tokenResponse = z.object({ token: z.string().min(1).optional(), access_token: z.string().min(1).optional(), expires_in: z.number().finite().optional() });

/** One registry endpoint's HTTP session: auth state and retry policy. */
export class RegistrySession {
  readonly #tokens = new Map<string, { header: string; expires: number }>();
  #basic: string | undefined;

  constructor(
    /** Origin (`https://host:port`). */
    readonly origin: string,
    readonly credentials: Credentials | undefined,
    readonly retry: RetryPolicy,
    readonly logger: Logger,
  ) {}

  /** Performs a request with auth, retries and redirects. `scope` is the token scope to ask for. */
  async request(path: string, init: { method?: string; headers?: Record<string, string>; scope: string }): Promise<Response> {
    let url = new URL(path, this.origin);
    let authenticated = false;
    let redirects = 0;
    let lastProblem = '';
    for (let attempt = 0; attempt < this.retry.attempts; attempt++) {
      const headers: Record<string, string> = { ...init.headers };
      const sameOrigin = url.origin === this.origin;
      const auth = sameOrigin ? this.#authHeader(init.scope) : undefined;
      if (auth) headers.authorization = auth;
      let response: Response;
      // A server that accepts the connection and never answers counts as a failed attempt.
      const unanswered = new AbortController();
      const timer = setTimeout(() => unanswered.abort(new Error(`no response in ${this.#stallMs} ms`)), this.#stallMs);
      try {
        response = await fetch(url, { method: init.method ?? 'GET', headers, redirect: 'manual', signal: unanswered.signal });
      } catch (error) {
        clearTimeout(timer);
        lastProblem = networkProblem(error);
        // A name that does not resolve will not start resolving in the next seconds (a temporary
        // DNS failure is EAI_AGAIN, which is retried): say so now, as Docker does.
        if (causeCode(error) === 'ENOTFOUND') {
          throw new DiagnosticError(createDiagnostic(imageCodes.transferFailed, 'unresolved', { url: `${this.origin}${path}`, problem: lastProblem, host: url.hostname }));
        }
        await delay(this.#backoff(attempt));
        continue;
      }
      clearTimeout(timer);
      if (response.status >= 300 && response.status < 400 && response.headers.get('location')) {
        const location = response.headers.get('location') as string;
        await response.body?.cancel();
        // A redirect loop must end, as fetch's own redirect handling does after 20.
        if (++redirects > MAX_REDIRECTS) throw this.#unusable('redirects', { url: `${this.origin}${path}`, most: MAX_REDIRECTS, location });
        try {
          url = new URL(location, url);
        } catch {
          throw this.#unusable('redirectNotUrl', { url: `${this.origin}${path}`, location });
        }
        if (url.protocol !== 'https:' && url.protocol !== 'http:') throw this.#unusable('redirectScheme', { url: `${this.origin}${path}`, scheme: url.protocol });
        // fetch refuses a URL with userinfo; credentials never travel in a redirect anyway.
        url.username = '';
        url.password = '';
        attempt--;
        continue;
      }
      if (response.status === 401 && sameOrigin && !authenticated) {
        authenticated = true;
        const challenge = parseChallenge(response.headers.get('www-authenticate'));
        await response.body?.cancel();
        await this.#answer(challenge, init.scope);
        attempt--;
        continue;
      }
      if (RETRY_STATUS.has(response.status)) {
        lastProblem = `HTTP ${response.status}`;
        const wait = response.status === 429 ? retryAfter(response, this.#backoff(attempt), this.retry.maxDelayMs) : this.#backoff(attempt);
        await response.body?.cancel();
        this.logger.debug({ url: url.pathname, status: response.status, waitMs: wait }, 'registry asked to retry');
        await delay(wait);
        continue;
      }
      return response;
    }
    throw new DiagnosticError(createDiagnostic(imageCodes.transferFailed, 'retries', { url: `${this.origin}${path}`, problem: lastProblem, attempts: this.retry.attempts }));
  }

  #backoff(attempt: number): number {
    return Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** attempt);
  }

  #authHeader(scope: string): string | undefined {
    const token = this.#tokens.get(scope);
    if (token && token.expires > Date.now()) return token.header;
    return this.#basic;
  }

  async #answer(challenge: Challenge | undefined, scope: string): Promise<void> {
    if (!challenge) throw this.#denied('noChallenge', {});
    if (challenge.scheme === 'basic') {
      const c = this.credentials;
      if (!c || !('username' in c)) throw this.#denied('noCredentials', {});
      this.#basic = `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
      return;
    }
    const realm = challenge.params.realm;
    if (!realm) throw this.#denied('noRealm', {});
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw this.#denied('realmNotUrl', { realm });
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw this.#denied('realmScheme', { realm });
    if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
    url.searchParams.set('scope', challenge.params.scope ?? scope);
    const c = this.credentials;
    let response: Response;
    try {
      if (c && 'identityToken' in c) {
        const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: c.identityToken, service: challenge.params.service ?? '', scope: challenge.params.scope ?? scope, client_id: 'cube' });
        response = await fetch(realm, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' }, signal: AbortSignal.timeout(this.#stallMs) });
      } else {
        const headers: Record<string, string> = c ? { authorization: `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}` } : {};
        response = await fetch(url, { headers, signal: AbortSignal.timeout(this.#stallMs) });
      }
    } catch (error) {
      throw this.#denied('tokenUnreachable', { service: url.origin, problem: networkProblem(error) });
    }
    if (!response.ok) throw this.#denied('tokenStatus', { service: url.origin, status: response.status });
    const data = tokenResponse.safeParse(await response.json().catch(() => undefined));
    const token = data.success ? (data.data.token ?? data.data.access_token) : undefined;
    if (!data.success || !token) throw this.#denied('noToken', { service: url.origin });
    const lifetime = Math.max(10, (data.data.expires_in ?? 60) - 5) * 1000;
    this.#tokens.set(scope, { header: `Bearer ${token}`, expires: Date.now() + lifetime });
  }

  /** How long a request may go unanswered. */
  get #stallMs(): number {
    return this.retry.stallMs ?? DEFAULT_STALL_MS;
  }

  // The URLs these carry come from the registry's answers (redirects, token realms): redacted here,
  // once, as network errors are in networkProblem.
  #unusable<K extends keyof Transfer>(message: K, values: MessageValues<Transfer[K]>): DiagnosticError {
    return new DiagnosticError(createDiagnostic(imageCodes.transferFailed, message, redacted(values)));
  }

  #denied<K extends keyof Denied>(message: K, values: Omit<MessageValues<Denied[K]>, 'origin'>): DiagnosticError {
    return new DiagnosticError(createDiagnostic(imageCodes.authFailed, message, redacted({ ...values, origin: this.origin } as MessageValues<Denied[K]>)));
  }
}

/**
 * What a failed fetch says, with the cause Node's fetch keeps behind its generic "fetch failed"
 * (`getaddrinfo ENOTFOUND host`, `connect ECONNREFUSED 127.0.0.1:5000`, a TLS error).
 */
export function networkProblem(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const detail = causeOf(error)?.message;
  return redactUrlsIn(detail && detail !== message ? `${message} (${detail})` : message);
}

/** The error Node's fetch wraps (it carries the system error code). */
function causeOf(error: unknown): (Error & { code?: unknown }) | undefined {
  const cause = error instanceof Error ? (error as Error & { cause?: unknown }).cause : undefined;
  return cause instanceof Error ? cause : undefined;
}

function causeCode(error: unknown): string | undefined {
  const code = causeOf(error)?.code;
  return code === undefined ? undefined : String(code);
}
