import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startTestServer, type TestServer } from './helpers/runtime.ts';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read loosely; their schemas are tested elsewhere
type Json = any;

/** The literature-watch API over real HTTP. */
describe('literature API', () => {
  let srv: TestServer;
  const api = async (method: string, url: string, body?: unknown) => {
    const res = await fetch(srv.url + url, {
      method,
      headers: { ...(body !== undefined && !(body instanceof FormData) ? { 'content-type': 'application/json' } : {}), ...(await srv.tokenFor('director', 'dr-li')) },
      body: body === undefined ? undefined : body instanceof FormData ? body : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let json: Json = null;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: res.status, json };
  };
  const upload = (name: string, bytes: Uint8Array | string) => {
    const form = new FormData();
    form.append('file', new Blob([typeof bytes === 'string' ? bytes : new Uint8Array(bytes)]), name);
    return api('POST', '/api/literature/import', form);
  };

  beforeAll(async () => {
    srv = await startTestServer([], { YZ_PUBMED_URL: 'http://127.0.0.1:9/entrez/eutils/', YZ_PUBMED_RETRIES: '0' });
  }, 120_000);
  afterAll(() => srv?.close());

  it('creates, lists, changes and deletes a watch; names the field of an invalid body', async () => {
    const created = await api('POST', '/api/literature/watches', { name: '胎盘植入 MRI', query: 'placenta accreta AND MRI', meshTerms: ['Placenta Accreta'] });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ name: '胎盘植入 MRI', createdBy: 'dr-li', cron: '0 3 1 * *', lookbackDays: 1095, enabled: true });
    expect(created.json.nextRunAt).toMatch(/^\d{4}-/);
    const list = await api('GET', '/api/literature/watches');
    expect(list.json.items.map((w: Json) => w.id)).toContain(created.json.id);

    const changed = await api('PUT', `/api/literature/watches/${created.json.id}`, { ...created.json, cron: '0 2 * * 1', enabled: false, id: undefined, nextRunAt: undefined, lastRun: undefined, coveredUntil: undefined, createdBy: undefined, createdAt: undefined, updatedAt: undefined });
    expect(changed.status).toBe(200);
    expect(changed.json).toMatchObject({ cron: '0 2 * * 1', enabled: false, nextRunAt: null });

    const bad = await api('POST', '/api/literature/watches', { name: 'x', query: '' });
    expect(bad.status).toBe(400);
    expect(bad.json.error.field ?? JSON.stringify(bad.json.error)).toMatch(/query/);
    const badCron = await api('POST', '/api/literature/watches', { name: 'y', query: 'stroke', cron: 'every day' });
    expect(badCron.status).toBe(400);
    expect(badCron.json.error.message).toMatch(/cron/);
    const dup = await api('POST', '/api/literature/watches', { name: '胎盘植入 MRI', query: 'x' });
    expect(dup.status).toBe(409);

    expect((await api('DELETE', `/api/literature/watches/${created.json.id}`)).status).toBe(204);
    expect((await api('DELETE', `/api/literature/watches/${created.json.id}`)).status).toBe(404);
    expect((await api('POST', '/api/literature/watches/wat_nope/run')).status).toBe(404);
  });

  it('imports a PubMed XML export: 201 with counts; a duplicate upload adds nothing; malformed, non-PubMed and non-UTF-8 files are refused', async () => {
    const basic = readFileSync(path.join(ROOT, 'tests/fixtures/pubmed/basic.xml'));
    const first = await upload('basic.xml', basic);
    expect(first.status).toBe(201);
    expect(first.json).toMatchObject({ trigger: 'import', status: 'succeeded', newRecords: 6 });
    const again = await upload('basic.xml', basic);
    expect(again.json).toMatchObject({ newRecords: 0, unchanged: 6 });

    const malformed = await upload('malformed.xml', readFileSync(path.join(ROOT, 'tests/fixtures/pubmed/malformed.xml')));
    expect(malformed.status).toBe(422);
    expect(malformed.json.error.code).toBe('PUBMED_XML_INVALID');
    expect(malformed.json.error.message).toMatch(/malformed\.xml/);
    const other = await upload('esearch.xml', readFileSync(path.join(ROOT, 'tests/fixtures/pubmed/not-pubmed.xml')));
    expect(other.json.error.code).toBe('PUBMED_XML_INVALID');
    const latin1 = await upload('latin1.xml', Buffer.from([0x3c, 0x61, 0x3e, 0xe9, 0x3c, 0x2f, 0x61, 0x3e]));
    expect(latin1.status).toBe(422);
    expect(latin1.json.error.code).toBe('TEXT_DECODE_FAILED');

    const records = await api('GET', `/api/literature/records?runId=${first.json.id}`);
    expect(records.json.total).toBe(6);
    const runs = await api('GET', '/api/literature/runs');
    expect(runs.json.items[0].trigger).toBe('import');
  });

  it('reports how PubMed is reached without revealing secrets; run now with PubMed unreachable records a clear error', async () => {
    const status = await api('GET', '/api/literature/status');
    expect(status.json).toMatchObject({ eutilsUrl: 'http://127.0.0.1:9/entrez/eutils/', apiKeyConfigured: false, requestsPerSecond: 3 });
    const w = await api('POST', '/api/literature/watches', { name: 'offline', query: 'stroke AND CT perfusion' });
    const job = await api('POST', `/api/literature/watches/${w.json.id}/run`);
    expect(job.status).toBe(202);
    for (let i = 0; i < 50; i++) {
      const { json } = await api('GET', `/api/literature/runs?watchId=${w.json.id}`);
      if (json.items[0]?.error) {
        expect(json.items[0].error.code).toBe('EUTILS_UNAVAILABLE');
        expect(json.items[0].error.message).toContain('127.0.0.1:9');
        return;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error('the run never recorded its error');
  });
});
