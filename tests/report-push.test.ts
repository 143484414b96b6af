import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../auth/index.ts';
import type { Lookup } from '../connectors/index.ts';
import { parseHl7 } from '../reporting/index.ts';
import { fhirR4Errors } from './helpers/fhir-schema.ts';
import { startTestServer, type TestServer } from './helpers/runtime.ts';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read loosely; the routes validate their schemas
type Json = any;

interface Received { headers: http.IncomingHttpHeaders; body: string; answered: number }

/** A real local RIS endpoint: answers each POST with the next status in `plan` (then 200), and records what it got. */
async function startRis(): Promise<{ url: string; plan: number[]; got: Received[]; close: () => Promise<void> }> {
  const plan: number[] = [];
  const got: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const status = plan.shift() ?? 200;
      got.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), answered: status });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status >= 300 ? '<script>alert(1)</script> down' : 'ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ris/reports`, plan, got, close: () => new Promise((r) => server.close(() => r())) };
}

const TYPED = { findingType: 'lung_nodule', nodeType: 'ground_glass', side: 'right', lobe: 'upper', segment: 'S1', longMm: 8.2, shortMm: 6.1, meanHu: -612, margin: 'clear', contour: 'regular' };

/** "Insert into RIS" through the outbox: a target that fails first then succeeds, a refusal, a retry, a hostile target. */
describe('report outbox (push to RIS / webhook)', () => {
  let srv: TestServer;
  let ris: Awaited<ReturnType<typeof startRis>>;
  let connectorId: string;
  const call = async (method: string, url: string, role: Role, body?: unknown) => {
    const res = await fetch(srv.url + url, { method, headers: { ...(await srv.tokenFor(role)), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as Json };
  };
  const until = async (draftId: string, pushId: string, statuses: string[], ms = 20_000) => {
    const end = Date.now() + ms;
    for (;;) {
      const p = (await call('GET', `/api/reports/drafts/${draftId}/pushes`, 'physician')).json.items.find((x: Json) => x.id === pushId);
      if (statuses.includes(p?.status) || Date.now() > end) return p;
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const newDraft = async () => (await call('POST', '/api/reports/drafts', 'physician', { values: TYPED })).json;

  // Connector host names resolve through this scripted resolver: each question takes the next answer (the last one repeats).
  const dns = { answers: ['127.0.0.1'], asked: [] as string[] };
  const lookup: Lookup = async (host) => {
    if (host !== 'ris.hospital.test') throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    dns.asked.push(host);
    return [{ address: (dns.answers.length > 1 ? dns.answers.shift() : dns.answers[0]) as string }];
  };

  beforeAll(async () => {
    [srv, ris] = await Promise.all([startTestServer([], { YZ_LLM: 'none', YZ_MASTER_KEY: randomBytes(16).toString('hex'), YZ_CONNECTOR_CHECK_SECONDS: '3600', YZ_CONNECTOR_TIMEOUT_MS: '3000' }, { lookup }), startRis()]);
    connectorId = (await srv.rt.connectors.create({ name: '放射科 RIS', kind: 'ris', config: { mode: 'rest', url: ris.url } }, 'admin')).id;
    await srv.rt.connectors.create({ name: 'RIS 数据库', kind: 'ris', config: { mode: 'database', host: '127.0.0.1', port: 5432, database: 'ris', user: 'ris' } }, 'admin');
  }, 120_000);
  afterAll(async () => {
    await srv?.close();
    await ris?.close();
  });

  it('lists REST RIS connectors as push targets (not a database-mode RIS)', async () => {
    const r = await call('GET', '/api/reports/push-targets', 'physician');
    expect(r.json.items).toEqual([{ id: connectorId, name: '放射科 RIS' }]);
  });

  it('target down: the push is queued, retried with back-off with its error visible, then sent — HL7 with the provenance id, one Idempotency-Key', async () => {
    const d = await newDraft();
    ris.plan.push(503);
    const before = ris.got.length;
    const q = await call('POST', `/api/reports/drafts/${d.id}/push`, 'physician', { connectorId, format: 'hl7' });
    expect(q.status).toBe(202);
    expect(q.json).toMatchObject({ draftId: d.id, connectorName: '放射科 RIS', format: 'hl7', status: 'queued', attempts: 0 });
    const retrying = await until(d.id, q.json.id, ['retrying', 'sent', 'failed']);
    expect(retrying).toMatchObject({ status: 'retrying', attempts: 1, responseStatus: 503, lastError: expect.stringContaining('503') });
    expect(retrying.lastError).not.toContain('<script>');
    const sent = await until(d.id, q.json.id, ['sent', 'failed']);
    expect(sent).toMatchObject({ status: 'sent', attempts: 2, responseStatus: 200, lastError: null });
    expect(sent.sentAt).toBeTruthy();
    const mine = ris.got.slice(before);
    expect(mine.map((g) => g.answered)).toEqual([503, 200]);
    expect(new Set(mine.map((g) => g.headers['idempotency-key']))).toEqual(new Set([q.json.id]));
    expect(mine[1].headers['x-yingzhi-provenance']).toBe(d.id);
    expect(mine[1].headers['content-type']).toContain('application/hl7-v2');
    const segs = parseHl7(mine[1].body);
    expect(segs.map((s) => s.name)).toContain('OBX');
    expect(mine[1].body).toContain(d.id);
    expect(mine[1].body).toContain('8.2');
    const job = (await call('GET', `/api/jobs/${sent.jobId}`, 'admin')).json;
    expect(job).toMatchObject({ status: 'succeeded', attempts: 2 });
  }, 40_000);

  it('a 4xx answer fails at once (no retries); the retry button sends it again; a sent push cannot be retried', async () => {
    const d = await newDraft();
    ris.plan.push(422);
    const q = await call('POST', `/api/reports/drafts/${d.id}/push`, 'physician', { connectorId, format: 'fhir' });
    const failed = await until(d.id, q.json.id, ['failed', 'sent']);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, responseStatus: 422, lastError: expect.stringContaining('422') });
    const again = await call('POST', `/api/reports/pushes/${q.json.id}/retry`, 'physician');
    expect(again.status).toBe(202);
    expect(again.json.status).toBe('queued');
    const sent = await until(d.id, q.json.id, ['sent', 'failed']);
    expect(sent).toMatchObject({ status: 'sent', responseStatus: 200 });
    const body = JSON.parse(ris.got.at(-1)?.body ?? '{}');
    expect(body).toMatchObject({ resourceType: 'Bundle' });
    expect(fhirR4Errors(body)).toEqual([]);
    expect(JSON.stringify(body)).toContain(d.id);
    const twice = await call('POST', `/api/reports/pushes/${q.json.id}/retry`, 'physician');
    expect(twice.status).toBe(409);
  }, 40_000);

  it('bad input: unknown draft 404, unknown or non-REST target 404 naming connectorId, bad format 400, technician 403', async () => {
    const d = await newDraft();
    expect((await call('POST', '/api/reports/drafts/rpt_nope/push', 'physician', { connectorId, format: 'json' })).status).toBe(404);
    const unknown = await call('POST', `/api/reports/drafts/${d.id}/push`, 'physician', { connectorId: 'con_nope', format: 'json' });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.field).toBe('connectorId');
    expect((await call('POST', `/api/reports/drafts/${d.id}/push`, 'physician', { connectorId, format: 'pdf' })).status).toBe(400);
    const denied = await call('POST', `/api/reports/drafts/${d.id}/push`, 'technician', { connectorId, format: 'json' });
    expect(denied.status).toBe(403);
    expect(denied.json.error.details.permission).toBe('report.draft');
    expect((await call('GET', `/api/reports/drafts/${d.id}/pushes`, 'physician')).json.items).toEqual([]);
  });

  it('a target the network policy no longer allows is refused before anything is queued or sent', async () => {
    const d = await newDraft();
    const before = ris.got.length;
    const entries = await srv.rt.connectors.allowlist.list();
    const loopback = entries.find((e) => e.pattern === '127.0.0.0/32' || e.pattern === '127.0.0.0/8');
    expect(loopback).toBeTruthy();
    await srv.rt.connectors.allowlist.disallow(loopback?.id as number, 'admin');
    try {
      const r = await call('POST', `/api/reports/drafts/${d.id}/push`, 'physician', { connectorId, format: 'json' });
      expect(r.json.error.code).toBe('TARGET_NOT_ALLOWED');
      expect((await call('GET', `/api/reports/drafts/${d.id}/pushes`, 'physician')).json.items).toEqual([]);
      expect(ris.got.length).toBe(before);
    } finally {
      await srv.rt.connectors.allowlist.allow({ pattern: '127.0.0.0/8', note: 'test' }, 'admin');
    }
  });

  it('a target named by host is reached at the address the policy checked, and a name re-resolving to the metadata address at delivery sends nothing', async () => {
    const byName = (await srv.rt.connectors.create({ name: 'RIS by name', kind: 'ris', config: { mode: 'rest', url: ris.url.replace('127.0.0.1', 'ris.hospital.test') } }, 'admin')).id;
    const d = await newDraft();
    dns.answers = ['127.0.0.1'];
    const q = await call('POST', `/api/reports/drafts/${d.id}/push`, 'physician', { connectorId: byName, format: 'json' });
    expect(await until(d.id, q.json.id, ['sent', 'failed'])).toMatchObject({ status: 'sent', responseStatus: 200 });
    expect(ris.got.at(-1)?.headers.host).toBe(new URL(ris.url).host.replace('127.0.0.1', 'ris.hospital.test'));

    // Rebinding: the name passes the checks at queueing and at the job's start, then answers the metadata address
    // when the connection is made — the connection's own resolution is checked, and nothing is sent.
    const before = ris.got.length;
    dns.asked.length = 0;
    dns.answers = ['127.0.0.1', '127.0.0.1', '169.254.169.254'];
    const r = await call('POST', `/api/reports/drafts/${d.id}/push`, 'physician', { connectorId: byName, format: 'json' });
    const failed = await until(d.id, r.json.id, ['failed', 'sent']);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, lastError: expect.stringContaining('allow-list') });
    expect(dns.asked.length).toBe(3);
    expect(ris.got.length).toBe(before);
  }, 40_000);
});
