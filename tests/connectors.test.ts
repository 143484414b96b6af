import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CONNECTORS_HEALTH_JOB, Connectors } from '../connectors/index.ts';
import { createLogger, isAppError, Keyring } from '../core/index.ts';
import { productEncryptedColumns, rotateKeys } from '../keys/index.ts';
import type { Runtime } from '../runtime/index.ts';
import { jsonClient } from './helpers/http.ts';
import { startTestServer, type TestServer, testRuntime } from './helpers/runtime.ts';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read loosely
type Json = any;

const KEY_A = randomBytes(16).toString('hex');
const KEY_B = randomBytes(16).toString('hex');
const PACS_SECRET = 'pacs-S3cret-明文';
const AI_KEY = 'ai-key-9f8e7d';

/** Fake endpoints: an HTTP server (DICOMweb QIDO with basic auth, Ollama tags, a failing path) and a TCP listener. */
async function fakeEndpoints() {
  const seen: string[] = [];
  const httpServer = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    if (req.url === '/dicomweb/studies?limit=1') {
      const ok = req.headers.authorization === `Basic ${Buffer.from(`pacs-user:${PACS_SECRET}`).toString('base64')}`;
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/dicom+json' }).end(ok ? '[]' : '');
    } else if (req.url === '/api/tags') res.writeHead(200, { 'content-type': 'application/json' }).end('{"models":[]}');
    else if (req.url === '/v1/models') res.writeHead(req.headers.authorization === 'Bearer sk-test' ? 200 : 401).end('{"data":[]}');
    else if (req.url === '/ai/health') res.writeHead(req.headers.authorization === `Bearer ${AI_KEY}` ? 200 : 403).end();
    else if (req.url === '/slow') setTimeout(() => res.writeHead(200).end(), 3000);
    else res.writeHead(503).end('down');
  });
  await new Promise<void>((r) => httpServer.listen(0, '127.0.0.1', r));
  const tcp = net.createServer((s) => s.end());
  await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
  // A port nothing listens on: bind, note, close.
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const deadPort = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  return {
    seen,
    httpUrl: `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`,
    tcpPort: (tcp.address() as AddressInfo).port,
    deadPort,
    async close() {
      httpServer.closeAllConnections();
      await new Promise((r) => httpServer.close(r));
      await new Promise((r) => tcp.close(r));
    },
  };
}

describe('connectors API', () => {
  let srv: TestServer;
  let fake: Awaited<ReturnType<typeof fakeEndpoints>>;
  const api = jsonClient(() => srv.url, () => srv.auth);

  beforeAll(async () => {
    fake = await fakeEndpoints();
    srv = await startTestServer([], { YZ_MASTER_KEY: KEY_A, YZ_CONNECTOR_TIMEOUT_MS: '1500', YZ_CONNECTOR_CHECK_SECONDS: '3600' });
  }, 120_000);
  afterAll(async () => {
    await srv?.close();
    await fake?.close();
  });

  const pacs = () => ({
    name: 'PACS 主院区',
    kind: 'pacs',
    config: { qidoUrl: `${fake.httpUrl}/dicomweb`, wadoUrl: `${fake.httpUrl}/dicomweb`, authType: 'basic', username: 'pacs-user', secret: PACS_SECRET },
  });

  it('stores secrets SM4-encrypted, never returns them, and a probe uses the decrypted secret', async () => {
    const created = await api('POST', '/api/connectors', pacs());
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ kind: 'pacs', hasSecret: true, secretFields: ['secret'], last: null });
    // The signed-in principal (the admin token's user), never the anonymous fallback.
    const me = await api('GET', '/api/auth/me');
    expect(created.json.createdBy).toBe(me.json.user.username);
    expect(created.json.config.secret).toBeUndefined();
    expect(created.text).not.toContain(PACS_SECRET);

    // At rest: the raw row holds an SM4 token under the active key, and no plaintext anywhere.
    const { rows } = await srv.rt.db.query<Json>('SELECT * FROM connectors WHERE id = $1', [created.json.id]);
    expect(rows[0].secrets.secret).toMatch(/^sm4cbc1:[0-9a-f]{8}:/);
    expect(rows[0].secrets.secret.split(':')[1]).toBe(srv.rt.keyring.activeKeyId);
    expect(JSON.stringify(rows[0])).not.toContain(PACS_SECRET);
    expect(rows[0].config.secret).toBeUndefined();

    const listed = await api('GET', '/api/connectors');
    expect(listed.text).not.toContain(PACS_SECRET);
    expect(listed.text).not.toContain('sm4cbc1');

    // The fake QIDO endpoint answers 200 only with the right Basic credentials.
    const tested = await api('POST', `/api/connectors/${created.json.id}/test`);
    expect(tested.status).toBe(200);
    expect(tested.json).toMatchObject({ status: 'up', error: null, trigger: 'manual' });
    expect(tested.json.latencyMs).toBeGreaterThanOrEqual(0);
    expect(fake.seen).toContain('GET /dicomweb/studies?limit=1');

    // Audit: connector.change with no secret in the details.
    const audit = await srv.rt.db.query<Json>(`SELECT * FROM audit_log WHERE action = 'connector.change' AND target = $1`, [created.json.id]);
    expect(audit.rows).toHaveLength(1);
    expect(JSON.stringify(audit.rows)).not.toContain(PACS_SECRET);
  });

  it('an omitted secret is kept on update, null clears it, and a wrong secret makes the probe fail', async () => {
    const { json: c } = await api('POST', '/api/connectors', { ...pacs(), name: 'PACS 分院' });
    const { secret: _omit, ...noSecret } = pacs().config;
    const kept = await api('PUT', `/api/connectors/${c.id}`, { ...pacs(), name: 'PACS 分院', config: noSecret });
    expect(kept.status).toBe(200);
    expect(kept.json.hasSecret).toBe(true);
    expect((await api('POST', `/api/connectors/${c.id}/test`)).json.status).toBe('up');

    const wrong = await api('PUT', `/api/connectors/${c.id}`, { ...pacs(), name: 'PACS 分院', config: { ...noSecret, secret: 'nope' } });
    expect(wrong.json.hasSecret).toBe(true);
    const down = await api('POST', `/api/connectors/${c.id}/test`);
    expect(down.json).toMatchObject({ status: 'down', error: 'AUTH_FAILED', detail: 'HTTP 401' });

    const cleared = await api('PUT', `/api/connectors/${c.id}`, { ...pacs(), name: 'PACS 分院', config: { ...noSecret, secret: null } });
    expect(cleared.json).toMatchObject({ hasSecret: false, secretFields: [] });
    expect((await api('DELETE', `/api/connectors/${c.id}`)).status).toBe(204);
    expect((await api('GET', `/api/connectors/${c.id}/history`)).status).toBe(404);
    const ops = await srv.rt.db.query<Json>(`SELECT details->>'op' AS op FROM audit_log WHERE action = 'connector.change' AND target = $1 ORDER BY seq`, [c.id]);
    expect(ops.rows.map((r: Json) => r.op)).toEqual(['create', 'update', 'update', 'update', 'delete']);
  });

  it('probes each kind against real local endpoints: HTTP, TCP (MLLP, MySQL), PostgreSQL, and an unreachable port', async () => {
    const make = async (body: unknown) => {
      const r = await api('POST', '/api/connectors', body);
      expect(r.status, JSON.stringify(r.json)).toBe(201);
      return r.json.id as string;
    };
    const ids: Record<string, string> = {
      llm: await make({ name: 'Ollama', kind: 'llm', config: { provider: 'ollama', url: fake.httpUrl, model: 'qwen2.5:7b' } }),
      ai: await make({ name: '肺结节 AI', kind: 'imaging_ai', config: { url: `${fake.httpUrl}/ai/health`, apiKey: AI_KEY } }),
      mllp: await make({ name: 'RIS HL7', kind: 'ris', config: { mode: 'hl7-mllp', host: '127.0.0.1', port: fake.tcpPort } }),
      mysql: await make({ name: '科研库 MySQL', kind: 'research_db', config: { driver: 'mysql', host: '127.0.0.1', port: fake.tcpPort, database: 'r', user: 'u', password: 'p' } }),
      openai: await make({ name: 'vLLM', kind: 'llm', config: { provider: 'openai', url: `${fake.httpUrl}/v1`, model: 'qwen', apiKey: 'sk-test' } }),
      dead: await make({ name: 'RIS REST (offline)', kind: 'ris', config: { mode: 'rest', url: `http://127.0.0.1:${fake.deadPort}/ris` } }),
      http503: await make({ name: 'RIS 503', kind: 'ris', config: { mode: 'rest', url: `${fake.httpUrl}/broken` } }),
      slow: await make({ name: 'Slow AI', kind: 'imaging_ai', config: { url: `${fake.httpUrl}/slow` } }),
    };
    const pgUrl = process.env.YZ_TEST_DATABASE_URL;
    if (pgUrl) {
      const u = new URL(pgUrl);
      ids.pg = await make({
        name: '科研库 PostgreSQL', kind: 'research_db',
        config: { driver: 'postgresql', host: u.hostname, port: Number(u.port || 5432), database: u.pathname.slice(1), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) },
      });
      ids.risDb = await make({
        name: 'RIS 数据库', kind: 'ris',
        config: { mode: 'database', host: u.hostname, port: Number(u.port || 5432), database: u.pathname.slice(1), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) },
      });
      ids.pgBad = await make({
        name: '科研库 PostgreSQL (bad password)', kind: 'research_db',
        config: { driver: 'postgresql', host: u.hostname, port: Number(u.port || 5432), database: u.pathname.slice(1), user: decodeURIComponent(u.username), password: 'wrong-password' },
      });
    }
    const results: Record<string, Json> = {};
    for (const [k, id] of Object.entries(ids)) results[k] = (await api('POST', `/api/connectors/${id}/test`)).json;

    for (const k of ['llm', 'openai', 'ai', 'mllp', 'mysql', ...(pgUrl ? ['pg', 'risDb'] : [])]) expect(results[k], k).toMatchObject({ status: 'up', error: null });
    expect(fake.seen).toContain('GET /api/tags');
    expect(fake.seen).toContain('GET /v1/models');
    expect(results.dead).toMatchObject({ status: 'down', latencyMs: null, error: 'CONNECTION_REFUSED', detail: null });
    expect(results.http503).toMatchObject({ status: 'down', error: 'HTTP_STATUS', detail: 'HTTP 503' });
    expect(results.slow).toMatchObject({ status: 'down', error: 'TIMEOUT' });
    if (pgUrl) expect(results.pgBad).toMatchObject({ status: 'down', error: 'AUTH_FAILED', detail: 'SQLSTATE 28P01' });

    // Health: latest status per connector; history newest first.
    await api('POST', `/api/connectors/${ids.dead}/test`);
    const health = await api('GET', '/api/connectors/health');
    const byId = new Map(health.json.items.map((h: Json) => [h.id, h]));
    expect(byId.get(ids.llm)).toMatchObject({ status: 'up' });
    expect(byId.get(ids.dead)).toMatchObject({ status: 'down' });
    const history = await api('GET', `/api/connectors/${ids.dead}/history?limit=10`);
    expect(history.json.items).toHaveLength(2);
    expect(Date.parse(history.json.items[0].checkedAt)).toBeGreaterThanOrEqual(Date.parse(history.json.items[1].checkedAt));
    for (const id of Object.values(ids)) await api('DELETE', `/api/connectors/${id}`);
  }, 30_000);

  it('the durable health job checks every enabled connector on schedule and re-queues itself', async () => {
    const { json: c } = await api('POST', '/api/connectors', { name: 'Ollama 调度', kind: 'llm', config: { provider: 'ollama', url: fake.httpUrl, model: 'm' } });
    const queued = await srv.rt.db.query<Json>(`SELECT * FROM jobs WHERE kind = $1 AND status = 'queued'`, [CONNECTORS_HEALTH_JOB]);
    expect(queued.rows.length).toBeGreaterThanOrEqual(1);
    expect(new Date(queued.rows[0].run_after).getTime()).toBeGreaterThan(Date.now());
    // Queue a slot that is already due; the runner picks it up.
    const due = await srv.rt.connectors.scheduleNext(Date.now() - 3_600_000);
    await vi.waitFor(async () => {
      const h = await api('GET', `/api/connectors/${c.id}/history`);
      expect(h.json.items.some((i: Json) => i.trigger === 'schedule' && i.status === 'up')).toBe(true);
    }, { timeout: 15_000, interval: 200 });
    await vi.waitFor(async () => expect((await srv.rt.jobs.get(due.id))?.status).toBe('succeeded'), { timeout: 5000 });
    const next = await srv.rt.db.query<Json>(`SELECT count(*)::int AS n FROM jobs WHERE kind = $1 AND status = 'queued' AND run_after > now()`, [CONNECTORS_HEALTH_JOB]);
    expect(next.rows[0].n).toBe(1); // the dedupe key per slot: one chain, not two
    await api('DELETE', `/api/connectors/${c.id}`);
  }, 30_000);

  it('rejects an invalid config with 400 naming the field', async () => {
    const noQido = await api('POST', '/api/connectors', { name: 'x', kind: 'pacs', config: { wadoUrl: 'http://h/w', authType: 'none' } });
    expect(noQido.status).toBe(400);
    expect(noQido.json.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'config.qidoUrl' });
    const badPort = await api('POST', '/api/connectors', { name: 'x', kind: 'ris', config: { mode: 'hl7-mllp', host: 'ris', port: 70000 } });
    expect(badPort.json.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'config.port' });
    const badKind = await api('POST', '/api/connectors', { name: 'x', kind: 'fax', config: {} });
    expect(badKind.status).toBe(400);
    expect(badKind.json.error.field).toBe('kind');
    const ftp = await api('POST', '/api/connectors', { name: 'x', kind: 'imaging_ai', config: { url: 'ftp://h/x' } });
    expect(ftp.json.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'config.url' });
    const dup = await api('POST', '/api/connectors', { name: 'dup', kind: 'imaging_ai', config: { url: 'http://h/x' } });
    expect((await api('POST', '/api/connectors', { name: 'dup', kind: 'imaging_ai', config: { url: 'http://h/y' } })).json.error).toMatchObject({ code: 'STATE_CONFLICT', field: 'name' });
    await api('DELETE', `/api/connectors/${dup.json.id}`);
  });

  it('needs connectors.manage: technician yes, resident 403, anonymous 401', async () => {
    expect((await api('GET', '/api/connectors', undefined, await srv.tokenFor('technician'))).status).toBe(200);
    expect((await api('GET', '/api/connectors/health', undefined, await srv.tokenFor('resident'))).status).toBe(403);
    expect((await api('GET', '/api/connectors', undefined, {})).status).toBe(401);
  });
});

describe('connectors without or with the wrong master key', () => {
  let rt: Runtime;
  beforeAll(async () => {
    rt = await testRuntime({ YZ_MASTER_KEY: '', YZ_MASTER_KEY_FILE: '' });
  }, 60_000);
  afterAll(() => rt?.close());

  it('without a configured key: secrets are SM4-encrypted under the installation key (generated; per process in memory), never stored in clear', async () => {
    expect(rt.keySource).toBe('ephemeral');
    const c = await rt.connectors.create({ name: 'AI', kind: 'imaging_ai', config: { url: 'http://127.0.0.1:9/x', apiKey: AI_KEY } }, 'tester');
    expect(c.hasSecret).toBe(true);
    const { rows } = await rt.db.query<Json>('SELECT * FROM connectors WHERE id = $1', [c.id]);
    expect(JSON.stringify(rows)).not.toContain(AI_KEY);
    expect(rows[0].secrets.apiKey.split(':')[1]).toBe(rt.keyring.activeKeyId);
    await rt.connectors.delete(c.id, 'tester');
  });

  it('with the wrong key: the check reports the key problem clearly, never plaintext, and no fallback', async () => {
    const log = createLogger('silent');
    const base = { db: rt.db, jobs: rt.jobs, log, checkSeconds: 3600, timeoutMs: 1000 };
    const withA = new Connectors({ ...base, keyring: new Keyring(Buffer.from(KEY_A, 'hex')) });
    const withB = new Connectors({ ...base, keyring: new Keyring(Buffer.from(KEY_B, 'hex')) });
    const c = await withA.create({ name: 'AI keyed', kind: 'imaging_ai', config: { url: 'http://127.0.0.1:9/x', apiKey: AI_KEY } }, 'tester');
    const check = await withB.check(c.id);
    expect(check).toMatchObject({ status: 'down', error: 'SECRET_UNAVAILABLE', detail: expect.stringContaining('wrong master key') });
    expect(JSON.stringify(check)).not.toContain(AI_KEY);
    const { rows } = await rt.db.query<Json>('SELECT * FROM connectors WHERE id = $1', [c.id]);
    expect(JSON.stringify(rows)).not.toContain(AI_KEY);
  });

  it('key rotation (yingzhi keys rotate) re-encrypts connector secrets, and probes keep working under the new key', async () => {
    const log = createLogger('silent');
    const base = { db: rt.db, jobs: rt.jobs, log, checkSeconds: 3600, timeoutMs: 1000 };
    const a = new Keyring(Buffer.from(KEY_A, 'hex'));
    const rotated = new Keyring(Buffer.from(KEY_B, 'hex'), [Buffer.from(KEY_A, 'hex')]);
    const c = await new Connectors({ ...base, keyring: a }).create({ name: 'AI rotate', kind: 'imaging_ai', config: { url: 'http://127.0.0.1:9/x', apiKey: AI_KEY } }, 'tester');
    const report = await rotateKeys(rt.db, rotated, productEncryptedColumns().list(), { actor: 'cli:test' });
    expect(report.rewritten).toBeGreaterThanOrEqual(1);
    const { rows } = await rt.db.query<Json>('SELECT secrets FROM connectors WHERE id = $1', [c.id]);
    expect(rows[0].secrets.apiKey.split(':')[1]).toBe(rotated.activeKeyId);
    // Only the new key loaded: decryption still works (the probe fails on the network, not on the key).
    const check = await new Connectors({ ...base, keyring: new Keyring(Buffer.from(KEY_B, 'hex')) }).check(c.id);
    expect(check.error).toBe('CONNECTION_REFUSED');
    await rt.connectors.delete(c.id, 'tester');
  });

  it('a malformed master key fails fast at start, naming the variable', async () => {
    const err = await testRuntime({ YZ_MASTER_KEY: 'short' }).catch((e) => e);
    expect(isAppError(err) && err.code).toBe('CONFIG_INVALID');
    expect(err.message).toContain('YZ_MASTER_KEY');
  });
});
