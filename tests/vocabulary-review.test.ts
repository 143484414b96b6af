import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/runtime.ts';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read loosely; their schemas are tested elsewhere
type Json = any;

/**
 * Authored plain-text textbook (not from any gold set), ingested as a TXT file as a user would, its
 * headings as bare lines: open-vocabulary extraction runs on ingest and leaves new-term and synonym
 * proposals; the review gate guards bulk approval.
 */
const BOOK = [
  '布鲁菌病',
  '布鲁菌病是由布鲁菌引起的人兽共患传染病，也称地中海弛张热。',
  '本病的主要表现为波状热、多汗、乏力和关节痛，部分患者可有睾丸炎。',
  '血培养是确诊本病的主要方法，治疗首选多西环素联合利福平。',
  '',
  '恙虫病',
  '恙虫病又称丛林斑疹伤寒，由恙虫病东方体感染引起。',
  '特征性体征为焦痂和溃疡，常伴发热、皮疹和淋巴结肿大。',
  '治疗首选多西环素，一般无需使用糖皮质激素。',
].join('\n');

describe('vocabulary review and the bulk-approval guard (API)', () => {
  let srv: TestServer;
  let sourceId: string;
  const api = async (method: string, url: string, body?: unknown) => {
    const res = await fetch(srv.url + url, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...srv.auth },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: (text ? JSON.parse(text) : null) as Json };
  };

  beforeAll(async () => {
    srv = await startTestServer([]);
    const r = await srv.rt.ingest.register(Buffer.from(BOOK, 'utf8'), 'infectious-notes.txt', { kind: 'textbook', title: '传染病讲义（测试）' });
    sourceId = r.source.id;
    await srv.rt.runner.drain();
  }, 180_000);
  afterAll(() => srv?.close());

  it('extraction on ingest leaves one new-term proposal per surface, with counts, examples and a guessed type', async () => {
    const { status, json } = await api('GET', '/api/kg/terms?kind=term&limit=100');
    expect(status).toBe(200);
    const bySurface = new Map<string, Json>(json.items.map((p: Json) => [p.surface, p]));
    const doxy = bySurface.get('多西环素');
    expect(doxy).toMatchObject({ kind: 'term', guessedType: expect.stringMatching(/Drug|Treatment/), status: 'pending' });
    expect(doxy.count).toBe(2);
    expect(doxy.examples[0]).toMatchObject({ sourceId, sourceTitle: '传染病讲义（测试）' });
    expect(bySurface.get('布鲁菌病')).toMatchObject({ guessedType: 'Disease' });
    // The candidates behind it are unresolved, with the same guess shown on the side.
    const { json: cands } = await api('GET', `/api/kg/candidates?sourceId=${sourceId}&unresolved=true&limit=200`);
    const t = cands.items.find((c: Json) => c.object.text === '多西环素');
    expect(t).toMatchObject({ subject: { text: expect.stringMatching(/布鲁菌病|恙虫病/) }, predicate: 'treated_by', object: { entityId: null } });
    expect(t.object.guessedType).toMatch(/Drug|Treatment/);
    // Advice against a treatment is absent, not present.
    expect(cands.items.find((c: Json) => c.object.text === '糖皮质激素')).toMatchObject({ subject: { text: '恙虫病' }, certainty: 'absent' });
  });

  it('approving a new term creates the entity and links every pending candidate that wrote it', async () => {
    const { json } = await api('GET', '/api/kg/terms?kind=term&q=%E5%A4%9A%E8%A5%BF%E7%8E%AF%E7%B4%A0');
    const p = json.items[0];
    const approved = await api('POST', `/api/kg/terms/${p.id}/approve`, { decision: { action: 'create', type: 'Drug', nameEn: 'doxycycline' } });
    expect(approved.status).toBe(200);
    expect(approved.json).toMatchObject({ status: 'approved', decision: { action: 'create', created: true } });
    const entityId = approved.json.decision.entityId;
    const { json: cands } = await api('GET', `/api/kg/candidates?sourceId=${sourceId}&entityId=${entityId}&limit=50`);
    expect(cands.total).toBe(2);
    const again = await api('POST', `/api/kg/terms/${p.id}/approve`, { decision: { action: 'create', type: 'Drug' } });
    expect(again.status).toBe(409);
  });

  it('approving a term as an alias adds it to an existing entity; rejecting keeps it out', async () => {
    const { json } = await api('GET', '/api/kg/terms?kind=term&limit=100');
    const fever = json.items.find((p: Json) => p.surface === '发热');
    const target = (await srv.rt.knowledge.entities.search('肺炎', { limit: 1 }))[0];
    expect(fever).toBeDefined();
    const bad = await api('POST', `/api/kg/terms/${fever.id}/approve`, { decision: { action: 'alias' } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.field).toBe('entityId');
    const ok = await api('POST', `/api/kg/terms/${fever.id}/approve`, { decision: { action: 'alias', entityId: target.id } });
    expect(ok.status).toBe(200);
    expect((await srv.rt.knowledge.entities.get(target.id))?.aliases).toContain('发热');
    const rash = json.items.find((p: Json) => p.surface === '皮疹');
    expect((await api('POST', `/api/kg/terms/${rash.id}/reject`, { comment: 'too generic' })).json.status).toBe('rejected');
    expect((await api('POST', '/api/kg/terms/term_nope/reject', {})).status).toBe(404);
  });

  it('stated synonyms become synonym proposals; approving one adds the alias to the term it names', async () => {
    const { json } = await api('GET', '/api/kg/terms?kind=synonym&limit=50');
    const pairs = json.items.map((p: Json) => `${p.target.surface}=${p.surface}`).sort();
    expect(pairs).toEqual(['布鲁菌病=地中海弛张热', '恙虫病=丛林斑疹伤寒']);
    const tsutsu = json.items.find((p: Json) => p.surface === '丛林斑疹伤寒');
    const created = await api('POST', `/api/kg/terms/${tsutsu.id}/approve`, { decision: { action: 'create', type: 'Disease' } });
    expect(created.status).toBe(200);
    const e = await srv.rt.knowledge.entities.get(created.json.decision.entityId);
    expect(e).toMatchObject({ nameZh: '恙虫病', aliases: ['丛林斑疹伤寒'] });
  });

  it('bulk approval by filter shows counts per predicate and source and a sample, and holds back conflicts and unlinked candidates', async () => {
    // Two resolved candidates that contradict each other, from a second source.
    const other = await srv.rt.ingest.register(Buffer.from('肺结核\n肺结核常表现为空洞和树芽征。\n肺结核一般不伴空洞。\n', 'utf8'), 'tb.txt', { kind: 'textbook' });
    await srv.rt.runner.drain();
    const { status, json } = await api('POST', '/api/kg/candidates/bulk/preview', { filter: {} });
    expect(status).toBe(200);
    expect(json.total).toBe(json.approvable + json.conflicts + json.unresolved);
    expect(json.conflicts).toBeGreaterThanOrEqual(2);
    expect(json.unresolved).toBeGreaterThan(0);
    expect(Object.values(json.byPredicate).reduce((a: number, b) => a + (b as number), 0)).toBe(json.approvable);
    expect(json.bySource.map((s: Json) => s.sourceId)).toContain(other.source.id);
    expect(json.sample.length).toBeGreaterThan(0);
    expect(json.sample.every((c: Json) => c.subject.entityId && c.object.entityId && !c.conflicts.contradicting.length)).toBe(true);
    expect(json.limit).toBe(50);
  });

  it('approving by filter past the limit needs the typed count, and never approves a conflict', async () => {
    // Enough resolved candidates to pass the limit: link 发热/多汗/乏力… by approving term proposals as new entities.
    const { json: terms } = await api('GET', '/api/kg/terms?kind=term&limit=100');
    for (const p of terms.items) await api('POST', `/api/kg/terms/${p.id}/approve`, { decision: { action: 'create', type: p.guessedType ?? 'Finding' } });
    const { json: preview } = await api('POST', '/api/kg/candidates/bulk/preview', { filter: {} });
    const filter = preview.approvable > 50 ? {} : { minConfidence: 0 };
    const limited = await api('POST', '/api/kg/candidates/bulk/preview', { filter });
    if (limited.json.confirmationRequired) {
      const refused = await api('POST', '/api/kg/candidates/bulk', { action: 'approve', filter });
      expect(refused.status).toBe(428);
      expect(refused.json.error).toMatchObject({ code: 'BULK_CONFIRMATION_REQUIRED', field: 'confirmCount', details: { approvable: limited.json.approvable } });
      const wrong = await api('POST', '/api/kg/candidates/bulk', { action: 'approve', filter, confirmCount: limited.json.approvable - 1 });
      expect(wrong.status).toBe(428);
    }
    const ok = await api('POST', '/api/kg/candidates/bulk', { action: 'approve', filter, confirmCount: limited.json.approvable });
    expect(ok.status).toBe(200);
    // Every approvable candidate was tried; one whose linked entities do not fit the predicate fails on its own.
    expect(ok.json.done.length + ok.json.failed.length).toBe(limited.json.approvable);
    expect(ok.json.done.length).toBeGreaterThan(0);
    expect(ok.json.failed.every((f: Json) => f.code === 'VALIDATION_FAILED')).toBe(true);
    // The contradicting pair is still pending; selecting it by id does not approve it either.
    const { json: conflicts } = await api('GET', '/api/kg/candidates?conflict=true&status=pending');
    expect(conflicts.total).toBeGreaterThanOrEqual(2);
    const byIds = await api('POST', '/api/kg/candidates/bulk', { action: 'approve', ids: conflicts.items.map((c: Json) => c.id) });
    expect(byIds.json.done).toEqual([]);
    expect(byIds.json.failed.every((f: Json) => f.code === 'STATE_CONFLICT')).toBe(true);
  });
});
