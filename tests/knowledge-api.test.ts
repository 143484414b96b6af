import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, startTestServer, type TestServer } from './helpers/runtime.ts';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read loosely; their schemas are tested elsewhere
type Json = any;

/** The review and graph API over real HTTP, on a server that ingested and extracted a demo guideline. */
describe('knowledge API', () => {
  let srv: TestServer;
  const api = async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(srv.url + url, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...srv.auth, ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let json: Json = null;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: res.status, json, headers: res.headers };
  };

  beforeAll(async () => {
    srv = await startTestServer([path.join(DEMO, 'lung-nodule-guideline.md')]);
    await srv.rt.runner.drain();
  }, 180_000);
  afterAll(() => srv?.close());

  it('extraction ran on ingest: the queue holds cited candidates, and demo approvals populated the graph', async () => {
    const { status, json } = await api('GET', '/api/kg/candidates?limit=5');
    expect(status).toBe(200);
    expect(json.total).toBeGreaterThan(20);
    const c = json.items[0];
    expect(c).toMatchObject({ extractor: 'rules', source: { title: expect.any(String) } });
    expect(c.quote.length).toBeGreaterThan(4);
    expect(c.page).toBeGreaterThanOrEqual(1);
    expect(json.counts.approved).toBeGreaterThan(0);
    const stats = await api('GET', '/api/graph/stats');
    expect(stats.json.graph.relations).toBe(stats.json.relations.active);
    expect(stats.json.graph.relations).toBeGreaterThan(0);
    const ready = await api('GET', '/readyz');
    expect(ready.json.graph).toMatchObject({ store: 'postgres', lastError: null });
    const { json: rels } = await api('GET', '/api/kg/relations?limit=1');
    expect(rels.items[0]).toMatchObject({ demo: true, status: 'active' });
    expect(rels.items[0].evidence[0].sourceTitle).toBeTruthy();
  });

  it('approves over HTTP as the signed-in reviewer; a second approval is 409 naming who did it', async () => {
    const { json } = await api('GET', '/api/kg/candidates?status=pending&unresolved=false&limit=200');
    const c = json.items.find((x: Json) => x.subject.entityId && x.object.entityId && x.conflicts.contradicting.length === 0 && !x.conflicts.activeRelationId);
    expect(c).toBeTruthy();
    const ok = await api('POST', `/api/kg/candidates/${c.id}/approve`, { comment: '同意', expectedVersion: c.rowVersion }, await srv.tokenFor('expert', 'dr.zhang'));
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ status: 'approved', reviewedBy: 'dr.zhang', reviewComment: '同意' });
    const again = await api('POST', `/api/kg/candidates/${c.id}/approve`, {});
    expect(again.status).toBe(409);
    expect(again.json.error.message).toContain('dr.zhang');
    const detail = await api('GET', `/api/kg/relations/${ok.json.relationId}`);
    expect(detail.json.history.map((h: Json) => h.actor)).toContain('dr.zhang');
    await srv.rt.knowledge.projector.catchUp();
    const hood = await api('GET', `/api/graph/neighbours/${encodeURIComponent(ok.json.subject.entityId)}?depth=1&predicates=${c.predicate}`);
    expect(hood.status).toBe(200);
    expect(hood.json.edges.map((e: Json) => e.id)).toContain(ok.json.relationId);
    expect(hood.json.edges.every((e: Json) => e.predicate === c.predicate)).toBe(true);
  });

  it('rejects bad input with the field named', async () => {
    const unknownField = await api('POST', '/api/kg/candidates/x/approve', { nope: 1 });
    expect(unknownField.status).toBe(400);
    const missing = await api('POST', '/api/kg/candidates/cand_missing/reject', {});
    expect(missing.status).toBe(404);
    expect(missing.json.error.field).toBe('id');
    const bulk = await api('POST', '/api/kg/candidates/bulk', { action: 'approve' });
    expect(bulk.status).toBe(400);
    const merge = await api('POST', '/api/kg/merges', { fromId: 'a', fromSurface: 'b', intoId: 'c' });
    expect(merge.status).toBe(400);
    const unknownEntity = await api('POST', '/api/kg/merges', { fromId: 'dis.nope', intoId: 'dis.nsclc' });
    expect(unknownEntity.status).toBe(404);
    expect(unknownEntity.json.error.field).toBe('fromId');
    const hood = await api('GET', '/api/graph/neighbours/dis.nope');
    expect(hood.status).toBe(404);
    const llm = await api('POST', '/api/kg/extract', { engine: 'llm' });
    expect(llm.status).toBe(400);
    expect(llm.json.error.field).toBe('engine');
    const badPredicate = await api('GET', '/api/kg/candidates?predicate=causes');
    expect(badPredicate.status).toBe(400);
  });

  it('autocompletes entities by Chinese name, English name and abbreviation', async () => {
    for (const q of ['磨玻璃结节', 'ground-glass nodule', 'GGN']) {
      const { json } = await api('GET', `/api/kg/entities?q=${encodeURIComponent(q)}`);
      expect(json.items.map((e: Json) => e.id)).toContain('sign.ground_glass_nodule');
    }
    const { json: ggo } = await api('GET', `/api/kg/entities?q=GGO`);
    expect(ggo.items.map((e: Json) => e.id)).toContain('sign.ground_glass_opacity');
  });

  it('exports JSON lines and refuses an import with a bad line, naming it', async () => {
    const exp = await api('GET', '/api/graph/export?format=jsonl');
    expect(exp.status).toBe(200);
    const lines = String(exp.json).split('\n');
    expect(JSON.parse(lines[0])).toMatchObject({ kind: 'header', format: 'yingzhi-kg' });
    const bad = [lines[0], '{not json', ''].join('\n');
    const imp = await api('POST', '/api/graph/import', bad, { 'content-type': 'application/x-ndjson' });
    expect(imp.status).toBe(400);
    expect(imp.json.error.code).toBe('IMPORT_INVALID');
    expect(JSON.stringify(imp.json.error)).toContain('2');
  });

  it('queues extraction and lists it with the jobs', async () => {
    const { status, json } = await api('POST', '/api/kg/extract', { engine: 'rules' });
    expect(status).toBe(202);
    expect(json.jobs[0]).toMatchObject({ kind: 'extract' });
    await srv.rt.runner.drain();
    const job = await api('GET', `/api/jobs/${json.jobs[0].id}`);
    expect(job.json.status).toBe('succeeded');
    // A re-run proposes nothing new: candidates are keyed by chunk and content.
    expect(job.json.result.inserted).toBe(0);
    expect(job.json.result.proposed).toBeGreaterThan(0);
  });
});
