import type http from 'node:http';
import { Readable, Transform } from 'node:stream';
import { type Lookup, NetworkPolicy, parseAllowPattern, systemLookup } from './network-policy.ts';
import { checkedAddress, OutboundFailure, sendPinned } from './outbound-http.ts';

/** The part of `fetch` the model clients use (the `openai` package takes one as its `fetch` option). */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export interface OutboundFetchOptions {
  /** Bound on resolving the host (the exchange itself is bounded by the caller's signal, as with fetch). */
  lookupTimeoutMs?: number;
  /** The body is cut with RESPONSE_TOO_LARGE past this many bytes (default 64 MiB: an embedding batch is a few MB). */
  maxBytes?: number;
}

/** Statuses whose Response may not carry a body. */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * `fetch` over the outbound client (outbound-http.ts), for clients that stream: the host is resolved once,
 * every address it resolves to is judged by `policy`, the connection goes to the checked address (Host and
 * TLS keep the configured name), and the body streams as it arrives (SSE, NDJSON) up to `maxBytes`.
 * Redirects are not followed. It fails as fetch does, so callers' error handling is unchanged: an aborted
 * signal rejects with the signal's reason, anything else with TypeError('fetch failed', { cause }) — the
 * cause an OutboundFailure (NOT_ALLOWED, DNS_FAILED…) or the socket error (ECONNREFUSED…).
 */
export function outboundFetch(policy: () => NetworkPolicy | Promise<NetworkPolicy>, opts: OutboundFetchOptions = {}): FetchLike {
  const maxBytes = opts.maxBytes ?? 64 * 1048576;
  return async (input, init = {}) => {
    const request = input instanceof Request ? input : null;
    const url = new URL(request ? request.url : String(input));
    const signal = init.signal ?? request?.signal ?? new AbortController().signal;
    const method = (init.method ?? request?.method ?? 'GET').toUpperCase();
    const headers: Record<string, string> = {};
    new Headers(init.headers ?? request?.headers).forEach((value, name) => {
      headers[name] = value;
    });
    try {
      signal.throwIfAborted();
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OutboundFailure('NOT_ALLOWED', 'only http and https');
      const body = await bodyOf(init.body ?? (request && method !== 'GET' && method !== 'HEAD' ? await request.arrayBuffer() : undefined));
      const pinned = await checkedAddress(await policy(), url.hostname, opts.lookupTimeoutMs ?? 10_000);
      signal.throwIfAborted();
      const res = await sendPinned(url, pinned, method, headers, body, signal);
      return toResponse(res, maxBytes);
    } catch (e) {
      if (signal.aborted) throw signal.reason ?? e;
      throw new TypeError('fetch failed', { cause: e });
    }
  };
}

/**
 * `fetch` to a model server the administrator configured by URL (YZ_LLM_URL, YZ_EMBED_URL, YZ_RERANK_URL,
 * an LLM connector's URL): that host is allowed, whatever its address — a loopback or private server is
 * the usual case — but a name that resolves to a link-local or metadata address is refused, and the
 * address checked is the one connected to.
 */
export function configuredTargetFetch(configuredUrl: string, lookup: Lookup = systemLookup, opts: OutboundFetchOptions = {}): FetchLike {
  const policy = configuredTargetPolicy(configuredUrl, lookup);
  return outboundFetch(() => policy, opts);
}

/** The policy that allows exactly the host of `configuredUrl` (see configuredTargetFetch). */
export function configuredTargetPolicy(configuredUrl: string, lookup: Lookup = systemLookup): NetworkPolicy {
  let host: string;
  try {
    host = new URL(configuredUrl).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return new NetworkPolicy([], lookup); // an unparsable URL allows nothing; the request itself fails on it
  }
  try {
    return new NetworkPolicy([parseAllowPattern(host).rule], lookup);
  } catch {
    return new NetworkPolicy([], lookup);
  }
}

async function bodyOf(body: BodyInit | ArrayBuffer | null | undefined): Promise<string | Buffer | undefined> {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return body;
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof URLSearchParams) return body.toString();
  if (body instanceof Blob) return Buffer.from(await body.arrayBuffer());
  throw new TypeError('outbound fetch sends string, binary or URLSearchParams bodies only');
}

function toResponse(res: http.IncomingMessage, maxBytes: number): Response {
  const status = res.statusCode ?? 0;
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else if (value !== undefined) headers.set(name, value);
  }
  if (NULL_BODY.has(status)) {
    res.destroy();
    return new Response(null, { status, statusText: res.statusMessage, headers });
  }
  if (Number(res.headers['content-length'] ?? 0) > maxBytes) {
    res.destroy();
    throw tooLarge(maxBytes);
  }
  let bytes = 0;
  const capped = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (bytes > maxBytes) {
        res.destroy();
        done(tooLarge(maxBytes));
      } else done(null, chunk);
    },
  });
  res.once('error', (e) => capped.destroy(e));
  res.once('aborted', () => capped.destroy(new OutboundFailure('UNREACHABLE', 'body cut short')));
  res.pipe(capped);
  return new Response(Readable.toWeb(capped) as ReadableStream<Uint8Array>, { status, statusText: res.statusMessage, headers });
}

function tooLarge(cap: number): OutboundFailure {
  return new OutboundFailure('RESPONSE_TOO_LARGE', `body over ${Math.round(cap / 1048576)} MiB`);
}
