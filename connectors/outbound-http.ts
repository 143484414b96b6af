import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import net from 'node:net';
import type { ProbeError } from './connector.schema.ts';
import type { NetworkPolicy } from './network-policy.ts';

/**
 * One HTTP exchange with a connector target. The whole exchange (DNS, connect, TLS, answer, body) has
 * `timeoutMs`; the body is read up to `maxBytes` (0: not read at all, only the status and headers count).
 */
export interface OutboundRequest {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string | Buffer;
  timeoutMs: number;
  maxBytes: number;
  /** Same-origin redirects followed at most (default 0: a redirect answer is returned as it is, unfollowed). */
  maxRedirects?: number;
  /** Cancels the exchange (e.g. the job was cancelled). */
  signal?: AbortSignal;
}

export interface OutboundResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** HTTP to connector targets under the network policy (connectors/ implements it; imaging and reporting use it). */
export interface OutboundHttp {
  request(url: string, req: OutboundRequest): Promise<OutboundResponse>;
}

/** A failed exchange, already put in its category (the connector probe vocabulary) with a fixed detail. */
export class OutboundFailure extends Error {
  constructor(
    readonly category: ProbeError,
    readonly detail: string | null = null,
  ) {
    super(detail ? `${category}: ${detail}` : category);
  }
}

const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|EPROTO$|HOSTNAME_MISMATCH)/;

/**
 * The category of an error, with a detail taken only from fixed vocabularies (an error code, an HTTP
 * status, a SQLSTATE) — never the error's text, which can carry file names, server banners or paths.
 */
export function categorise(e: unknown): { error: ProbeError; detail: string | null } {
  if (e instanceof OutboundFailure) return { error: e.category, detail: e.detail };
  const err = e as { name?: string; code?: unknown; message?: unknown; cause?: { code?: unknown } };
  const code = typeof err?.code === 'string' ? err.code : typeof err?.cause?.code === 'string' ? err.cause.code : '';
  const message = typeof err?.message === 'string' ? err.message : '';
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError' || code === 'ETIMEDOUT' || code === 'ABORT_ERR' || /timeout/i.test(message)) {
    return { error: 'TIMEOUT', detail: null };
  }
  if (code === 'ECONNREFUSED') return { error: 'CONNECTION_REFUSED', detail: null };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return { error: 'DNS_FAILED', detail: null };
  if (TLS_CODES.test(code)) return { error: 'TLS_ERROR', detail: code };
  if (/^(EHOSTUNREACH|ENETUNREACH|ECONNRESET|EPIPE|ECONNABORTED|ERR_SOCKET_CLOSED)$/.test(code)) return { error: 'UNREACHABLE', detail: code };
  if (/^[0-9A-Z]{5}$/.test(code)) {
    // A PostgreSQL SQLSTATE: 28P01 wrong password, 28000 no such role / not permitted.
    return code.startsWith('28') ? { error: 'AUTH_FAILED', detail: `SQLSTATE ${code}` } : { error: 'PROTOCOL_ERROR', detail: `SQLSTATE ${code}` };
  }
  if (/\bSSL\b|TLS/.test(message)) return { error: 'TLS_ERROR', detail: null };
  return { error: 'PROTOCOL_ERROR', detail: null };
}

/** The checked address for `host`, or a NOT_ALLOWED / DNS_FAILED failure (before any connection is opened). */
export async function checkedAddress(policy: NetworkPolicy, host: string, timeoutMs: number): Promise<{ address: string; family: 4 | 6 }> {
  const d = await policy.decide(host, timeoutMs);
  if (d.ok) return { address: d.address, family: d.family };
  throw new OutboundFailure(d.reason === 'dns' ? 'DNS_FAILED' : 'NOT_ALLOWED', d.detail);
}

/**
 * A `lookup` for http.request / net.connect that answers only with the address the policy checked: the
 * socket connects there while the request keeps the configured host name for its Host header and TLS
 * (SNI and certificate check), so a DNS answer that changes after the check (rebinding) is never used.
 */
function pinnedLookup(hostname: string, pinned: { address: string; family: 4 | 6 }): LookupFunction {
  return (name, options, callback) => {
    if (name !== hostname) {
      callback(Object.assign(new Error('unexpected host name'), { code: 'ENOTFOUND' }), '', 0);
      return;
    }
    if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [pinned]);
    else callback(null, pinned.address, pinned.family);
  };
}

const REDIRECT = new Set([301, 302, 303, 307, 308]);

/**
 * One request to a connector target under `policy`: the host is resolved once and every address it resolves
 * to is judged (networkPolicy.decide); the connection goes to the checked address only. Redirects are
 * followed only when asked for, only to the same origin (already checked, same pinned address), at most
 * `maxRedirects`; a redirect to another origin is NOT_ALLOWED — it would carry the request's credentials
 * to a host they were not entered for, and an attacker-chosen location is exactly what the policy guards.
 * No compression is negotiated, so the byte limit counts what arrives. Every failure is an OutboundFailure.
 */
export async function outboundRequest(url: string, req: OutboundRequest, policy: NetworkPolicy): Promise<OutboundResponse> {
  const timeout = AbortSignal.timeout(req.timeoutMs);
  const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
  try {
    let current = new URL(url);
    if (current.protocol !== 'http:' && current.protocol !== 'https:') throw new OutboundFailure('NOT_ALLOWED', 'only http and https');
    const pinned = await checkedAddress(policy, current.hostname, req.timeoutMs);
    let method = req.method ?? 'GET';
    let body = req.body;
    for (let hop = 0; ; hop++) {
      const res = await sendPinned(current, pinned, method, req.headers ?? {}, body, signal);
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (REDIRECT.has(status) && location && (req.maxRedirects ?? 0) > 0) {
        res.destroy();
        const next = new URL(location, current);
        if (next.origin !== current.origin) throw new OutboundFailure('NOT_ALLOWED', 'redirect to another host');
        if (hop >= (req.maxRedirects ?? 0)) throw new OutboundFailure('HTTP_STATUS', 'too many redirects');
        if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
          method = 'GET';
          body = undefined;
        }
        current = next;
        continue;
      }
      return { status, headers: res.headers, body: await readCapped(res, req.maxBytes, signal) };
    }
  } catch (e) {
    if (e instanceof OutboundFailure) throw e;
    const { error, detail } = categorise(signal.aborted && !req.signal?.aborted ? timeout.reason ?? e : e);
    throw new OutboundFailure(error, detail);
  }
}

/** One request to `u` connected to the checked address `pinned` (no redirect handling, no body limit: the caller's). */
export function sendPinned(
  u: URL,
  pinned: { address: string; family: 4 | 6 },
  method: string,
  headers: Record<string, string>,
  body: string | Buffer | undefined,
  signal: AbortSignal,
): Promise<http.IncomingMessage> {
  const secure = u.protocol === 'https:';
  const hostname = u.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request({
      // An address literal is connected to as it is (the policy checked that literal); a name goes through the pinned lookup.
      host: net.isIP(hostname) ? pinned.address : hostname,
      lookup: pinnedLookup(hostname, pinned),
      port: Number(u.port) || (secure ? 443 : 80),
      path: `${u.pathname}${u.search}`,
      method,
      headers: {
        host: u.host,
        'accept-encoding': 'identity',
        'user-agent': 'YingZhi-connector',
        ...headers,
        ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}),
      },
      agent: false,
      signal,
    });
    req.once('response', resolve);
    req.once('error', reject);
    req.end(body);
  });
}

/** The body up to `cap` bytes; a longer one (declared or arriving) is RESPONSE_TOO_LARGE and the connection is dropped. */
function readCapped(res: http.IncomingMessage, cap: number, signal: AbortSignal): Promise<Buffer> {
  if (cap <= 0) {
    res.destroy();
    return Promise.resolve(Buffer.alloc(0));
  }
  const tooLarge = () => new OutboundFailure('RESPONSE_TOO_LARGE', cap >= 1 << 20 ? `body over ${Math.round(cap / (1 << 20))} MiB` : `body over ${Math.round(cap / 1024)} KiB`);
  if (Number(res.headers['content-length'] ?? 0) > cap) {
    res.destroy();
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let bytes = 0;
    let settled = false;
    const settle = (e?: unknown) => {
      if (settled) return;
      settled = true;
      if (e) reject(signal.aborted ? new OutboundFailure('TIMEOUT', 'body cut by timeout') : e);
      else resolve(Buffer.concat(parts, bytes));
    };
    res.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > cap) {
        settle(tooLarge());
        res.destroy();
        return;
      }
      parts.push(chunk);
    });
    res.once('end', () => settle());
    res.once('error', (e) => settle(e));
    res.once('aborted', () => settle(new OutboundFailure('UNREACHABLE', 'body cut short')));
  });
}

/** The client connectors hand out: the policy (allow-list as it stands now) is read for every request. */
export function policyHttp(policy: () => Promise<NetworkPolicy>): OutboundHttp {
  return { request: async (url, req) => outboundRequest(url, req, await policy()) };
}
