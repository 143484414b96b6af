import net from 'node:net';
import pg from 'pg';
import type { ConnectorInput, ProbeError } from './connector.schema.ts';
import type { NetworkPolicy } from './network-policy.ts';
import { categorise, checkedAddress, OutboundFailure, outboundRequest } from './outbound-http.ts';

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
  return (await checkedAddress(ctx.policy, host, ctx.timeoutMs)).address;
}

/**
 * HTTP(S) GET through the connector client (outbound-http.ts: resolved once, every address checked, the
 * checked one connected to); up on a 2xx answer whose body arrives whole within the cap and the timeout.
 * Redirects are followed only within the same origin, at most three; a redirect to another host is
 * refused (NOT_ALLOWED), and 401/403 are AUTH_FAILED.
 */
export function probeHttp(url: string, headers: Record<string, string>, ctx: ProbeContext): Promise<ProbeResult> {
  return timed(async () => {
    const res = await outboundRequest(url, {
      method: 'GET', headers: { 'user-agent': 'YingZhi-connector-probe', ...headers }, timeoutMs: ctx.timeoutMs,
      maxBytes: ctx.bodyCapBytes ?? DEFAULT_BODY_CAP, maxRedirects: MAX_REDIRECTS,
    }, ctx.policy);
    if (res.status === 401 || res.status === 403) throw new OutboundFailure('AUTH_FAILED', `HTTP ${res.status}`);
    if (res.status < 200 || res.status >= 300) throw new OutboundFailure('HTTP_STATUS', `HTTP ${res.status}`);
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
        reject(new OutboundFailure('TIMEOUT'));
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
