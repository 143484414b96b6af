import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import pg from 'pg';
import type { ConnectorInput, ProbeError } from './connector.schema.ts';
import type { NetworkPolicy } from './network-policy.ts';

/** Result of one probe: `up` with its latency, or `down` with a category and a fixed detail. */
export interface ProbeResult {
  status: 'up' | 'down';
  latencyMs: number | null;
  error: ProbeError | null;
  detail: string | null;
}

/** A connector's config with its secrets decrypted (only ever held in memory, during a probe). */
export type ResolvedConnector = ConnectorInput extends infer C ? (C extends { kind: infer K; config: infer F } ? { kind: K; config: F } : never) : never;

export interface ProbeContext {
  /** The whole probe (DNS, connect, TLS, answer, body) must finish within this. */
  timeoutMs: number;
  /** Decides where a target may be reached (allow-list, denied ranges) and pins the address. */
  policy: NetworkPolicy;
  /** HTTP bodies are read up to this many bytes; a longer body means down (default 64 KiB). */
  bodyCapBytes?: number;
}

const DEFAULT_BODY_CAP = 64 * 1024;
const MAX_REDIRECTS = 3;

/** A probe failure already put in its category. */
export class ProbeFailure extends Error {
  constructor(
    readonly category: ProbeError,
    readonly detail: string | null = null,
  ) {
    super(category);
  }
}

const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|EPROTO$|HOSTNAME_MISMATCH)/;

/**
 * The category of an error, with a detail taken only from fixed vocabularies (an error code, an HTTP
 * status, a SQLSTATE) — never the error's text, which can carry file names, server banners or paths.
 */
export function categorise(e: unknown): { error: ProbeError; detail: string | null } {
  if (e instanceof ProbeFailure) return { error: e.category, detail: e.detail };
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

/** Time `fn`; a throw becomes `down` with its category. */
async function timed(fn: () => Promise<void>): Promise<ProbeResult> {
  const t0 = performance.now();
  try {
    await fn();
    return { status: 'up', latencyMs: Math.round(performance.now() - t0), error: null, detail: null };
  } catch (e) {
    return { status: 'down', latencyMs: null, ...categorise(e) };
  }
}

/** The address to connect to for `host`, or a NOT_ALLOWED / DNS_FAILED failure. */
async function pinned(host: string, ctx: ProbeContext): Promise<string> {
  const d = await ctx.policy.decide(host, ctx.timeoutMs);
  if (d.ok) return d.address;
  throw new ProbeFailure(d.reason === 'dns' ? 'DNS_FAILED' : 'NOT_ALLOWED', d.detail);
}

/**
 * HTTP(S) GET; up on a 2xx answer whose body arrives whole within the cap and the timeout. The host is
 * resolved once through the policy and the request goes to that address (Host header and TLS name are
 * the configured host). Redirects are followed only within the same origin, at most three; a redirect to
 * another host is refused (NOT_ALLOWED), and 401/403 are AUTH_FAILED.
 */
export function probeHttp(url: string, headers: Record<string, string>, ctx: ProbeContext): Promise<ProbeResult> {
  return timed(async () => {
    const signal = AbortSignal.timeout(ctx.timeoutMs);
    let current = new URL(url);
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const address = await pinned(current.hostname, ctx);
      const res = await request(current, address, headers, signal);
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.destroy();
        const next = new URL(res.headers.location, current);
        if (next.origin !== current.origin) throw new ProbeFailure('NOT_ALLOWED', 'redirect to another host');
        current = next;
        continue;
      }
      if (status === 401 || status === 403) {
        res.destroy();
        throw new ProbeFailure('AUTH_FAILED', `HTTP ${status}`);
      }
      if (status < 200 || status >= 300) {
        res.destroy();
        throw new ProbeFailure('HTTP_STATUS', `HTTP ${status}`);
      }
      await drainCapped(res, ctx.bodyCapBytes ?? DEFAULT_BODY_CAP, signal);
      return;
    }
    throw new ProbeFailure('HTTP_STATUS', 'too many redirects');
  });
}

function request(u: URL, address: string, headers: Record<string, string>, signal: AbortSignal): Promise<http.IncomingMessage> {
  const secure = u.protocol === 'https:';
  const hostname = u.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request({
      host: address,
      port: Number(u.port) || (secure ? 443 : 80),
      path: `${u.pathname}${u.search}`,
      method: 'GET',
      // No compression: the cap counts the bytes that arrive, and nothing is inflated.
      headers: { host: u.host, 'accept-encoding': 'identity', 'user-agent': 'YingZhi-connector-probe', ...headers },
      servername: secure && !net.isIP(hostname) ? hostname : undefined,
      agent: false,
      signal,
    });
    req.once('response', resolve);
    req.once('error', reject);
    req.end();
  });
}

/** Read and discard a body; more than `cap` bytes, or a body cut by the timeout, is a failure. */
function drainCapped(res: http.IncomingMessage, cap: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    let bytes = 0;
    let settled = false;
    const settle = (e?: unknown) => {
      if (settled) return;
      settled = true;
      if (e) reject(signal.aborted ? new ProbeFailure('TIMEOUT', 'body cut by timeout') : e);
      else resolve();
    };
    res.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes <= cap) return;
      settle(new ProbeFailure('RESPONSE_TOO_LARGE', `body over ${Math.round(cap / 1024)} KiB`));
      res.destroy();
    });
    res.once('end', () => settle());
    res.once('error', (e) => settle(e));
    res.once('aborted', () => settle(new ProbeFailure('UNREACHABLE', 'body cut short')));
  });
}

/** TCP connect (HL7 MLLP listeners, MySQL): up when the handshake completes. */
export function probeTcp(host: string, port: number, ctx: ProbeContext): Promise<ProbeResult> {
  return timed(async () => {
    const address = await pinned(host, ctx);
    await new Promise<void>((resolve, reject) => {
      const sock = net.connect({ host: address, port });
      const timer = setTimeout(() => {
        sock.destroy();
        reject(new ProbeFailure('TIMEOUT'));
      }, ctx.timeoutMs);
      sock.once('connect', () => {
        clearTimeout(timer);
        sock.destroy();
        resolve();
      });
      sock.once('error', (e) => {
        clearTimeout(timer);
        sock.destroy();
        reject(e);
      });
    });
  });
}

export interface DbTarget {
  host: string;
  port: number;
  database: string;
  user: string;
  password?: string | null;
  tlsMode: 'disable' | 'require' | 'verify-full';
  tlsCa?: string | null;
}

/**
 * PostgreSQL: connect and `SELECT 1`. Only structured fields reach the driver — no connection string,
 * no file paths — and the password is handed over as a function, so the driver never falls back to
 * PGPASSWORD or ~/.pgpass for a connector that has none.
 */
export function probePostgres(t: DbTarget, ctx: ProbeContext): Promise<ProbeResult> {
  return timed(async () => {
    const address = await pinned(t.host, ctx);
    const servername = net.isIP(t.host) ? undefined : t.host;
    const ssl = t.tlsMode === 'disable' ? false : t.tlsMode === 'require' ? { rejectUnauthorized: false, servername } : { rejectUnauthorized: true, ca: t.tlsCa ?? undefined, servername };
    const client = new pg.Client({
      host: address, port: t.port, database: t.database, user: t.user, password: () => t.password ?? '', ssl,
      connectionTimeoutMillis: ctx.timeoutMs, query_timeout: ctx.timeoutMs, statement_timeout: ctx.timeoutMs, application_name: 'yingzhi-probe',
    });
    client.on('error', () => undefined); // a dropped connection after the answer must not crash the process
    try {
      await client.connect();
      await client.query('SELECT 1');
    } finally {
      await client.end().catch(() => undefined);
    }
  });
}

function join(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path}`;
}

function bearer(token: string | null | undefined): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** The URL an LLM probe asks: Ollama `/api/tags`, OpenAI-compatible `/v1/models` (or `/models` after a `/v1` base). */
export function llmProbeUrl(provider: 'ollama' | 'openai', url: string): string {
  if (provider === 'ollama') return join(url, '/api/tags');
  return /\/v1\/?$/.test(url) ? join(url, '/models') : join(url, '/v1/models');
}

type DbConfig = Extract<ResolvedConnector, { kind: 'research_db' }>['config'];

function probeDb(cfg: Partial<DbConfig>, ctx: ProbeContext): Promise<ProbeResult> {
  if (!cfg.host || !cfg.port || !cfg.database || !cfg.user) return Promise.resolve({ status: 'down', latencyMs: null, error: 'NOT_CONFIGURED', detail: 'database fields missing' });
  if (cfg.driver === 'mysql') return probeTcp(cfg.host, cfg.port, ctx);
  return probePostgres({ host: cfg.host, port: cfg.port, database: cfg.database, user: cfg.user, password: cfg.password, tlsMode: cfg.tlsMode ?? 'disable', tlsCa: cfg.tlsCa }, ctx);
}

/** Probe one connector by kind. */
export async function probe(c: ResolvedConnector, ctx: ProbeContext): Promise<ProbeResult> {
  switch (c.kind) {
    case 'ris': {
      const cfg = c.config;
      if (cfg.mode === 'rest') return probeHttp(cfg.url, {}, ctx);
      if (cfg.mode === 'hl7-mllp') return probeTcp(cfg.host, cfg.port, ctx);
      return probeDb(cfg, ctx);
    }
    case 'pacs': {
      const cfg = c.config;
      const headers: Record<string, string> = { accept: 'application/dicom+json' };
      if (cfg.authType === 'basic') headers.authorization = `Basic ${Buffer.from(`${cfg.username ?? ''}:${cfg.secret ?? ''}`).toString('base64')}`;
      if (cfg.authType === 'bearer') Object.assign(headers, bearer(cfg.secret));
      return probeHttp(join(cfg.qidoUrl, '/studies?limit=1'), headers, ctx);
    }
    case 'imaging_ai':
      return probeHttp(c.config.url, bearer(c.config.apiKey), ctx);
    case 'llm':
      return probeHttp(llmProbeUrl(c.config.provider, c.config.url), bearer(c.config.apiKey), ctx);
    case 'research_db':
      return probeDb(c.config, ctx);
  }
}
