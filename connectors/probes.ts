import net from 'node:net';
import pg from 'pg';
import type { ConnectorInput } from './connector.schema.ts';

/** Result of one probe: `up` with its latency, or `down` with why. */
export interface ProbeResult {
  status: 'up' | 'down';
  latencyMs: number | null;
  error: string | null;
}

/** A connector's config with its secrets decrypted (only ever held in memory, during a probe). */
export type ResolvedConnector = ConnectorInput extends infer C ? (C extends { kind: infer K; config: infer F } ? { kind: K; config: F } : never) : never;

const MAX_ERROR = 500;

function errorText(e: unknown): string {
  const err = e as { name?: string; code?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') return 'timeout';
  const code = err?.cause?.code ?? err?.code;
  const msg = err?.cause?.message ?? err?.message ?? String(e);
  return (code && !msg.includes(code) ? `${code}: ${msg}` : msg).slice(0, MAX_ERROR);
}

/** Time `fn`; a throw becomes `down` with the error text. */
async function timed(fn: () => Promise<void>): Promise<ProbeResult> {
  const t0 = performance.now();
  try {
    await fn();
    return { status: 'up', latencyMs: Math.round(performance.now() - t0), error: null };
  } catch (e) {
    return { status: 'down', latencyMs: null, error: errorText(e) };
  }
}

/** HTTP GET; up on any 2xx. The body is drained (not parsed): reachability and authorisation are what is checked. */
export function probeHttp(url: string, headers: Record<string, string>, timeoutMs: number): Promise<ProbeResult> {
  return timed(async () => {
    const res = await fetch(url, { method: 'GET', headers, redirect: 'follow', signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer().catch(() => undefined);
    if (!res.ok) throw new Error(`HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
  });
}

/** TCP connect (HL7 MLLP listeners, MySQL): up when the handshake completes. */
export function probeTcp(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return timed(
    () =>
      new Promise<void>((resolve, reject) => {
        const sock = net.connect({ host, port });
        const timer = setTimeout(() => {
          sock.destroy();
          reject(Object.assign(new Error('timeout'), { name: 'TimeoutError' }));
        }, timeoutMs);
        sock.once('connect', () => {
          clearTimeout(timer);
          sock.end();
          sock.destroy();
          resolve();
        });
        sock.once('error', (e) => {
          clearTimeout(timer);
          sock.destroy();
          reject(e);
        });
      }),
  );
}

/** PostgreSQL: connect and `SELECT 1`. */
export function probePostgres(conn: pg.ClientConfig, timeoutMs: number): Promise<ProbeResult> {
  return timed(async () => {
    const client = new pg.Client({ ...conn, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs, statement_timeout: timeoutMs });
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

/** Probe one connector by kind. */
export async function probe(c: ResolvedConnector, timeoutMs: number): Promise<ProbeResult> {
  switch (c.kind) {
    case 'ris': {
      const cfg = c.config;
      if (cfg.mode === 'rest') return probeHttp(cfg.url, {}, timeoutMs);
      if (cfg.mode === 'hl7-mllp') return probeTcp(cfg.host, cfg.port, timeoutMs);
      if (!cfg.dbUrl) return { status: 'down', latencyMs: null, error: '未配置数据库地址 / no database URL configured' };
      if (/^postgres(ql)?:/i.test(cfg.dbUrl)) return probePostgres({ connectionString: cfg.dbUrl }, timeoutMs);
      const u = new URL(cfg.dbUrl);
      return probeTcp(u.hostname, Number(u.port || 3306), timeoutMs);
    }
    case 'pacs': {
      const cfg = c.config;
      const headers: Record<string, string> = { accept: 'application/dicom+json' };
      if (cfg.authType === 'basic') headers.authorization = `Basic ${Buffer.from(`${cfg.username ?? ''}:${cfg.secret ?? ''}`).toString('base64')}`;
      if (cfg.authType === 'bearer') Object.assign(headers, bearer(cfg.secret));
      return probeHttp(join(cfg.qidoUrl, '/studies?limit=1'), headers, timeoutMs);
    }
    case 'imaging_ai':
      return probeHttp(c.config.url, bearer(c.config.apiKey), timeoutMs);
    case 'llm':
      return probeHttp(llmProbeUrl(c.config.provider, c.config.url), bearer(c.config.apiKey), timeoutMs);
    case 'research_db': {
      const cfg = c.config;
      if (cfg.driver === 'mysql') return probeTcp(cfg.host, cfg.port, timeoutMs);
      return probePostgres({ host: cfg.host, port: cfg.port, database: cfg.database, user: cfg.user, password: cfg.password ?? undefined }, timeoutMs);
    }
  }
}
