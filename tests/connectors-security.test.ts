import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants, mkdtempSync, openSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connectors, type Lookup, PROBE_ERRORS } from '../connectors/index.ts';
import { createLogger } from '../core/index.ts';
import { jsonClient } from './helpers/http.ts';
import { startTestServer, type TestServer } from './helpers/runtime.ts';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read loosely
type Json = any;

const SECRET = 'pacs-S3cret-only-for-the-real-pacs';
const BASIC = `Basic ${Buffer.from(`pacs-user:${SECRET}`).toString('base64')}`;

/** A fake HTTP endpoint that records what reaches it, including every Authorization header. */
async function endpoint(name: string) {
  const seen: Array<{ url: string; authorization?: string; host?: string }> = [];
  const stats = { bigBytesSent: 0 };
  const redirects = new Map<string, string>();
  const server = http.createServer((req, res) => {
    seen.push({ url: req.url ?? '', authorization: req.headers.authorization, host: req.headers.host });
    const url = req.url ?? '';
    if (url.startsWith('/dicomweb/studies')) return void res.writeHead(req.headers.authorization === BASIC ? 200 : 401).end('[]');
    if (url === '/big') {
      // 200 MB, written as fast as the client reads; a probe must stop long before.
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      const pump = () => {
        while (stats.bigBytesSent < 200 * 1024 * 1024) {
          stats.bigBytesSent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('close', () => undefined);
      return pump();
    }
    if (url === '/slow-body') {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '1000' });
      res.write('partial…');
      return; // and then nothing: the body never completes
    }
    if (url === '/hop') return void res.writeHead(302, { location: '/ok' }).end();
    if (redirects.has(url)) return void res.writeHead(302, { location: redirects.get(url) }).end();
    if (url === '/ok') return void res.writeHead(200).end('ok');
    res.writeHead(404).end(`${name}: not here`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    seen, stats, port,
    url: `http://127.0.0.1:${port}`,
    redirects,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

describe('connector security (issue 12: H2, H4, M1; issue 14: no master key)', () => {
  let srv: TestServer;
  let pacs: Awaited<ReturnType<typeof endpoint>>;
  let attacker: Awaited<ReturnType<typeof endpoint>>;
  const api = jsonClient(() => srv.url, () => srv.auth);
  const pacsConfig = (base: string, secret?: string | null) => ({
    qidoUrl: `${base}/dicomweb`, wadoUrl: `${base}/dicomweb`, authType: 'basic', username: 'pacs-user', ...(secret === undefined ? {} : { secret }),
  });
  const attackerSawSecret = () => attacker.seen.some((r) => r.authorization?.includes(Buffer.from(`pacs-user:${SECRET}`).toString('base64')));

  beforeAll(async () => {
    [pacs, attacker] = await Promise.all([endpoint('pacs'), endpoint('attacker')]);
    srv = await startTestServer([], { YZ_MASTER_KEY: randomBytes(16).toString('hex'), YZ_CONNECTOR_TIMEOUT_MS: '1500', YZ_CONNECTOR_CHECK_SECONDS: '3600' });
  }, 120_000);
  afterAll(async () => {
    await srv?.close();
    await pacs?.close();
    await attacker?.close();
  });

  describe('H2: a stored secret never follows its connector to another target', () => {
    it('PUT with a new host and no secret is refused (409) and nothing is sent to the new host; with the secret re-entered it is accepted', async () => {
      const created = await api('POST', '/api/connectors', { name: 'PACS H2', kind: 'pacs', config: pacsConfig(pacs.url, SECRET) });
      expect(created.status).toBe(201);
      const id = created.json.id;
      expect((await api('POST', `/api/connectors/${id}/test`)).json.status).toBe('up');

      const moved = await api('PUT', `/api/connectors/${id}`, { name: 'PACS H2', kind: 'pacs', config: pacsConfig(attacker.url) });
      expect(moved.status).toBe(409);
      expect(moved.json.error).toMatchObject({ code: 'SECRET_REENTRY_REQUIRED', field: 'config.secret' });
      // Refused as a whole: the connector still points at the real PACS, and its checks still pass there.
      const stored = (await api('GET', '/api/connectors')).json.items.find((i: Json) => i.id === id);
      expect(stored.config.qidoUrl).toBe(`${pacs.url}/dicomweb`);
      await api('POST', `/api/connectors/${id}/test`);
      expect(attackerSawSecret()).toBe(false);

      // Moving with an explicit clear, or with a secret typed for the new host, is fine.
      const cleared = await api('PUT', `/api/connectors/${id}`, { name: 'PACS H2', kind: 'pacs', config: pacsConfig(attacker.url, null) });
      expect(cleared.json).toMatchObject({ hasSecret: false });
      await api('POST', `/api/connectors/${id}/test`);
      expect(attackerSawSecret()).toBe(false);
      const typed = await api('PUT', `/api/connectors/${id}`, { name: 'PACS H2', kind: 'pacs', config: pacsConfig(pacs.url, SECRET) });
      expect(typed.status).toBe(200);
      // Same target, other settings changed: the stored secret stays.
      const renamed = await api('PUT', `/api/connectors/${id}`, { name: 'PACS H2 主院区', kind: 'pacs', enabled: false, config: pacsConfig(pacs.url) });
      expect(renamed.json).toMatchObject({ hasSecret: true, enabled: false });
      expect((await api('POST', `/api/connectors/${id}/test`)).json.status).toBe('up');
      const audit = await srv.rt.db.query<Json>(`SELECT details FROM audit_log WHERE action = 'connector.change' AND target = $1 ORDER BY seq`, [id]);
      expect(audit.rows.map((r: Json) => r.details.targetChanged)).toEqual([undefined, true, true, false]);
    });

    it('a research database moved to another host or database needs its password again', async () => {
      const db = { driver: 'postgresql', host: '127.0.0.1', port: 5432, database: 'research', user: 'reader' };
      const { json: c } = await api('POST', '/api/connectors', { name: '科研库 H2', kind: 'research_db', config: { ...db, password: 'pw' } });
      for (const change of [{ host: 'localhost' }, { database: 'other' }, { port: 5433 }]) {
        const r = await api('PUT', `/api/connectors/${c.id}`, { name: '科研库 H2', kind: 'research_db', config: { ...db, ...change } });
        expect(r.status, JSON.stringify(change)).toBe(409);
        expect(r.json.error.field).toBe('config.password');
      }
      expect((await api('PUT', `/api/connectors/${c.id}`, { name: '科研库 H2', kind: 'research_db', config: { ...db, user: 'writer' } })).status).toBe(200);
    });

    it('a config changed behind the API (in the database) cannot release the secret: the probe is refused, the new host gets nothing', async () => {
      const { json: c } = await api('POST', '/api/connectors', { name: 'PACS tampered', kind: 'pacs', config: pacsConfig(pacs.url, SECRET) });
      const before = attacker.seen.length;
      await srv.rt.db.query(`UPDATE connectors SET config = config || $2::jsonb WHERE id = $1`, [
        c.id, JSON.stringify({ qidoUrl: `${attacker.url}/dicomweb`, wadoUrl: `${attacker.url}/dicomweb` }),
      ]);
      const check = (await api('POST', `/api/connectors/${c.id}/test`)).json;
      expect(check).toMatchObject({ status: 'down', error: 'SECRET_UNAVAILABLE', detail: expect.stringContaining('another target') });
      expect(attacker.seen.length).toBe(before);
      expect(attackerSawSecret()).toBe(false);
    });
  });

  describe('H4: database connectors take structured fields only; HTTP probes are bounded', () => {
    it('refuses connection URLs, URL options naming files and CA paths — a FIFO and /dev/zero are never opened', async () => {
      const fifo = path.join(mkdtempSync(path.join(tmpdir(), 'yz-fifo-')), 'trap');
      execFileSync('mkfifo', [fifo]);
      const base = { host: '127.0.0.1', port: 5432, database: 'ris', user: 'u' };
      const attempts: Array<[unknown, string]> = [
        [{ mode: 'database', dbUrl: `postgresql://u:p@127.0.0.1:1/ris?sslrootcert=${fifo}` }, 'config.host'],
        [{ mode: 'database', ...base, dbUrl: `postgresql://u@127.0.0.1/ris?sslkey=/dev/zero&sslcert=${fifo}` }, 'config.dbUrl'],
        [{ mode: 'database', ...base, tlsMode: 'verify-full', tlsCa: fifo }, 'config.tlsCa'],
        [{ mode: 'database', ...base, tlsMode: 'verify-full', tlsCa: '/dev/zero' }, 'config.tlsCa'],
        [{ mode: 'database', ...base, host: '/var/run/postgresql' }, 'config.host'],
        [{ mode: 'database', ...base, database: 'ris?options=-c%20x' }, 'config.database'],
      ];
      for (const [config, field] of attempts) {
        const t0 = performance.now();
        const r = await api('POST', '/api/connectors', { name: 'RIS DB trap', kind: 'ris', config });
        expect(performance.now() - t0).toBeLessThan(5000); // a blocked readFileSync would freeze the server here
        expect(r.status, JSON.stringify(config)).toBe(400);
        expect(r.json.error).toMatchObject({ code: 'VALIDATION_FAILED', field });
      }
      const research = await api('POST', '/api/connectors', { name: 'DB trap', kind: 'research_db', config: { ...base, password: 'p', tlsMode: 'require', tlsCa: fifo } });
      expect(research.json.error.field).toBe('config.tlsCa');
      // No process holds the FIFO open for reading (opening it for writing without a reader fails).
      expect(() => openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK)).toThrow(/ENXIO/);
      expect((await srv.rt.db.query('SELECT 1 FROM connectors WHERE name LIKE $1', ['%trap%'])).rows).toHaveLength(0);
    });

    it('a TLS database connector takes its CA as PEM text', async () => {
      const pem = `-----BEGIN CERTIFICATE-----\n${randomBytes(300).toString('base64')}\n-----END CERTIFICATE-----`;
      const r = await api('POST', '/api/connectors', {
        name: 'RIS DB TLS', kind: 'ris', config: { mode: 'database', host: '127.0.0.1', port: 5432, database: 'ris', user: 'u', tlsMode: 'verify-full', tlsCa: pem },
      });
      expect(r.status).toBe(201);
      expect(r.json.config).toMatchObject({ tlsMode: 'verify-full', tlsCa: pem });
    });

    it('a huge body is cut at 64 KiB and reported down; a body the timeout cuts is down, not up', async () => {
      const rssBefore = process.memoryUsage().rss;
      const { json: big } = await api('POST', '/api/connectors', { name: 'AI huge body', kind: 'imaging_ai', config: { url: `${pacs.url}/big` } });
      const bigCheck = (await api('POST', `/api/connectors/${big.id}/test`)).json;
      expect(bigCheck).toMatchObject({ status: 'down', error: 'RESPONSE_TOO_LARGE' });
      expect(pacs.stats.bigBytesSent).toBeLessThan(32 * 1024 * 1024); // the probe stopped reading; 200 MB were on offer
      expect(process.memoryUsage().rss - rssBefore).toBeLessThan(100 * 1024 * 1024);

      const { json: slow } = await api('POST', '/api/connectors', { name: 'AI slow body', kind: 'imaging_ai', config: { url: `${pacs.url}/slow-body` } });
      const slowCheck = (await api('POST', `/api/connectors/${slow.id}/test`)).json;
      expect(slowCheck, JSON.stringify(slowCheck)).toMatchObject({ status: 'down', error: 'TIMEOUT', detail: 'body cut by timeout' });
    });

    it('follows a redirect within the same origin, refuses one to another host (which gets nothing)', async () => {
      const { json: hop } = await api('POST', '/api/connectors', { name: 'AI hop', kind: 'imaging_ai', config: { url: `${pacs.url}/hop` } });
      expect((await api('POST', `/api/connectors/${hop.id}/test`)).json).toMatchObject({ status: 'up' });
      pacs.redirects.set('/away', `${attacker.url}/collect`);
      const { json: away } = await api('POST', '/api/connectors', { name: 'AI away', kind: 'imaging_ai', config: { url: `${pacs.url}/away`, apiKey: 'ai-key' } });
      const check = (await api('POST', `/api/connectors/${away.id}/test`)).json;
      expect(check).toMatchObject({ status: 'down', error: 'NOT_ALLOWED', detail: 'redirect to another host' });
      expect(attacker.seen.some((r) => r.url === '/collect')).toBe(false);
    });
  });

  describe('M1: an allow-list of targets, categorised errors only', () => {
    it('a fresh install allows loopback and the RFC 1918 ranges; anything else is refused when saved (422, naming the field)', async () => {
      const list = (await api('GET', '/api/connectors/allowlist')).json.items.map((e: Json) => e.pattern);
      expect(list).toEqual(['127.0.0.0/8', '::1/128', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']);
      for (const url of ['http://8.8.8.8/', 'http://169.254.169.254/latest/meta-data/', 'http://[fe80::1]/', 'http://[::ffff:169.254.169.254]/', 'http://100.100.100.200/']) {
        const r = await api('POST', '/api/connectors', { name: `probe ${url}`, kind: 'imaging_ai', config: { url } });
        expect(r.status, url).toBe(422);
        expect(r.json.error).toMatchObject({ code: 'TARGET_NOT_ALLOWED', field: 'config.url' });
      }
      const db = await api('POST', '/api/connectors', { name: 'db outside', kind: 'research_db', config: { host: '203.0.113.7', port: 5432, database: 'x', user: 'u' } });
      expect(db.json.error).toMatchObject({ code: 'TARGET_NOT_ALLOWED', field: 'config.host' });
    });

    it('metadata and link-local addresses stay refused under 0.0.0.0/0 and are allowed only when listed explicitly; only an admin changes the list', async () => {
      const tech = await srv.tokenFor('technician');
      expect((await api('GET', '/api/connectors/allowlist', undefined, tech)).status).toBe(200);
      const denied = await api('POST', '/api/connectors/allowlist', { pattern: '0.0.0.0/0' }, tech);
      expect(denied.status).toBe(403);
      expect(denied.json.error.details.permission).toBe('connectors.allowlist');

      const everything = await api('POST', '/api/connectors/allowlist', { pattern: '0.0.0.0/0', note: 'test only' });
      expect(everything.status).toBe(201);
      expect((await api('POST', '/api/connectors', { name: 'public ok', kind: 'imaging_ai', config: { url: 'http://198.51.100.9:9/' } })).status).toBe(201);
      expect((await api('POST', '/api/connectors', { name: 'metadata', kind: 'imaging_ai', config: { url: 'http://169.254.169.254/' } })).status).toBe(422);
      const explicit = await api('POST', '/api/connectors/allowlist', { pattern: '169.254.169.254', note: '明确允许 explicit' });
      expect(explicit.json.pattern).toBe('169.254.169.254/32');
      expect((await api('POST', '/api/connectors', { name: 'metadata explicit', kind: 'imaging_ai', config: { url: 'http://169.254.169.254/' } })).status).toBe(201);
      expect((await api('POST', '/api/connectors', { name: 'other link-local', kind: 'imaging_ai', config: { url: 'http://169.254.10.1/' } })).status).toBe(422);

      for (const bad of ['10.0.0.0/33', 'not a host!', '0x7f.1', '*.']) {
        const r = await api('POST', '/api/connectors/allowlist', { pattern: bad });
        expect(r.status, bad).toBe(400);
        expect(r.json.error.field).toBe('pattern');
      }
      expect((await api('POST', '/api/connectors/allowlist', { pattern: '0.0.0.0/0' })).status).toBe(409);
      for (const e of [everything.json, explicit.json]) expect((await api('DELETE', `/api/connectors/allowlist/${e.id}`)).status).toBe(204);
      const audit = await srv.rt.db.query<Json>(`SELECT details->>'op' AS op FROM audit_log WHERE target LIKE 'allowlist:%' ORDER BY seq`);
      expect(audit.rows.map((r: Json) => r.op)).toEqual(['allowlist.add', 'allowlist.add', 'allowlist.remove', 'allowlist.remove']);
    });

    it('the list is applied again at every probe: a target removed from it is not contacted', async () => {
      const entry = await api('POST', '/api/connectors/allowlist', { pattern: 'localhost', note: 'by name' });
      const { json: c } = await api('POST', '/api/connectors', { name: 'AI by name', kind: 'imaging_ai', config: { url: `http://localhost:${pacs.port}/ok` } });
      const loopback = (await api('GET', '/api/connectors/allowlist')).json.items.find((e: Json) => e.pattern === '127.0.0.0/8');
      expect((await api('POST', `/api/connectors/${c.id}/test`)).json.status).toBe('up');
      await api('DELETE', `/api/connectors/allowlist/${loopback.id}`);
      // Still allowed by its host name entry.
      expect((await api('POST', `/api/connectors/${c.id}/test`)).json.status).toBe('up');
      await api('DELETE', `/api/connectors/allowlist/${entry.json.id}`);
      const before = pacs.seen.length;
      expect((await api('POST', `/api/connectors/${c.id}/test`)).json).toMatchObject({ status: 'down', error: 'NOT_ALLOWED', detail: 'not in the allow-list' });
      expect(pacs.seen.length).toBe(before);
      await api('POST', '/api/connectors/allowlist', { pattern: '127.0.0.0/8', note: 'restored' });
    });

    it('DNS is resolved once per connection and the checked address is the one connected to (no rebinding)', async () => {
      const answers = ['127.0.0.1', '169.254.169.254'];
      const asked: string[] = [];
      // A resolver that answers a harmless address first and the metadata address on every later query.
      const rebinding: Lookup = async (host) => {
        asked.push(host);
        return [{ address: answers[Math.min(asked.length - 1, 1)] as string }];
      };
      const con = new Connectors({ db: srv.rt.db, jobs: srv.rt.jobs, keyring: srv.rt.keyring, log: createLogger('silent'), checkSeconds: 3600, timeoutMs: 1500, lookup: rebinding });
      await srv.rt.connectors.allowlist.allow({ pattern: '*.rebind.test' }, 'test');
      const c = await con.create({ name: 'rebind', kind: 'imaging_ai', config: { url: `http://pacs.rebind.test:${pacs.port}/ok` } }, 'test');
      asked.length = 0; // the save-time check asked once; start over
      const check = await con.check(c.id);
      expect(asked).toEqual(['pacs.rebind.test']); // one resolution for the whole probe
      expect(check.status).toBe('up');
      expect(pacs.seen.at(-1)).toMatchObject({ url: '/ok', host: `pacs.rebind.test:${pacs.port}` }); // reached the checked 127.0.0.1
      // The next probe resolves to the metadata address: refused before any connection, allow-list entry or not.
      expect(await con.check(c.id)).toMatchObject({ status: 'down', error: 'NOT_ALLOWED', detail: 'link-local or metadata address' });
    });

    it('records categories and fixed details only, never driver or socket text', async () => {
      const { rows } = await srv.rt.db.query<{ error: string | null; detail: string | null }>('SELECT error, detail FROM connector_checks');
      expect(rows.length).toBeGreaterThan(5);
      for (const r of rows) {
        if (r.error !== null) expect(PROBE_ERRORS).toContain(r.error);
        expect(r.detail ?? '').not.toMatch(/ECONNREFUSED|127\.0\.0\.1|\/dev\/|at .*\.js|Error:/);
      }
      const refused = await api('POST', '/api/connectors', { name: 'refused', kind: 'ris', config: { mode: 'hl7-mllp', host: '127.0.0.1', port: 1 } });
      const check = (await api('POST', `/api/connectors/${refused.json.id}/test`)).json;
      expect(check).toEqual({ status: 'down', latencyMs: null, error: 'CONNECTION_REFUSED', detail: null, trigger: 'manual', checkedAt: expect.any(String) });
    });
  });
});

describe('connector secrets without any configured master key (issue 14)', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer([], { YZ_MASTER_KEY: '', YZ_MASTER_KEY_FILE: '' });
  }, 120_000);
  afterAll(() => srv?.close());

  it('saving a connector with a password works on a default install (no configured key: the installation key is generated), secret write-only', async () => {
    const post = (body: unknown) =>
      fetch(`${srv.url}/api/connectors`, { method: 'POST', headers: { ...srv.auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const res = await post({ name: 'LLM', kind: 'llm', config: { provider: 'openai', url: 'http://127.0.0.1:9/v1', model: 'm', apiKey: 'sk-secret-1' } });
    expect(res.status).toBe(201);
    const text = await res.text();
    expect(text).not.toContain('sk-secret-1');
    expect(JSON.parse(text)).toMatchObject({ hasSecret: true });
    expect((await post({ name: 'LLM open', kind: 'llm', config: { provider: 'ollama', url: 'http://127.0.0.1:9', model: 'm' } })).status).toBe(201);
  });
});
