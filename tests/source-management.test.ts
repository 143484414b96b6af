import path from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../api/index.ts';
import type { Runtime } from '../runtime/index.ts';
import { multipart } from './helpers/multipart.ts';
import { DEMO, ingestFiles, testAuth, testRuntime } from './helpers/runtime.ts';

/** Text that only a database error carries; none of it may reach a user. */
const SQL_FRAGMENTS = /violates|constraint "|duplicate key|null value in column|syntax error at|relation "[^"]+" does not exist|SQLSTATE|\bSELECT\b.+\bFROM\b|\bINSERT INTO\b|\bUPDATE\b \w+ \bSET\b|\bDELETE FROM\b|pg_|::(text|int|jsonb|bigint)\b/i;

const QUERY = '急性缺血性脑卒中 静脉溶栓';

/**
 * Issue 14, item 1–2: managing the knowledge base after upload. Before this change there was no
 * DELETE /api/sources/:id, no metadata edit, no re-parse, no passage list, no way to take a bad
 * passage out of search, and the list could not be searched or split into literature and documents.
 */
describe('sources and passages are managed through the API, with audit and history', { timeout: 300_000 }, () => {
  let rt: Runtime;
  let app: FastifyInstance;
  let admin: Record<string, string>;
  let resident: Record<string, string>;
  let guidelineId: string;
  let textbookId: string;
  /** Every error response this suite provokes, for the SQL-fragment check at the end. */
  const errors: Array<{ url: string; status: number; body: string }> = [];
  const inject = async (o: InjectOptions, as: Record<string, string> = admin): Promise<LightMyRequestResponse> => {
    const res = await app.inject({ ...o, headers: { ...(o.headers ?? {}), ...as } });
    if (res.statusCode >= 400) errors.push({ url: `${o.method} ${o.url}`, status: res.statusCode, body: res.body });
    return res;
  };
  const json = (body: unknown) => ({ payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  const hitsOf = async (sourceId: string) =>
    (await inject({ method: 'GET', url: `/api/search?q=${encodeURIComponent(QUERY)}&top=30` })).json().results.filter((h: { sourceId: string }) => h.sourceId === sourceId);
  const auditRows = async (action: string, target: string) =>
    (await rt.db.query<{ actor: string; details: Record<string, unknown> }>('SELECT actor, details FROM audit_log WHERE action = $1 AND target = $2', [action, target])).rows;

  beforeAll(async () => {
    rt = await testRuntime();
    await ingestFiles(rt, [path.join(DEMO, 'stroke-guideline.md'), path.join(DEMO, 'stroke-textbook.md')], { demo: true });
    app = await buildApp(rt);
    let tokenFor: Awaited<ReturnType<typeof testAuth>>['tokenFor'];
    ({ auth: admin, tokenFor } = await testAuth(rt));
    resident = await tokenFor('resident');
    const items = (await rt.sources.list()).items;
    guidelineId = items.find((s) => s.kind === 'guideline')?.id ?? '';
    textbookId = items.find((s) => s.kind === 'textbook')?.id ?? '';
    expect(guidelineId && textbookId).toBeTruthy();
  });
  afterAll(async () => {
    await app?.close();
    await rt?.close();
  });

  it('lists sources searched, filtered, sorted and paged in the database, literature apart from documents', async () => {
    const xml = await import('node:fs').then((fs) => fs.readFileSync(path.join(DEMO, '../pubmed/demo-literature.xml')));
    const imported = await inject({ method: 'POST', url: '/api/literature/import', ...multipart({}, { name: 'demo-literature.xml', bytes: xml, type: 'text/xml' }) });
    expect(imported.statusCode).toBeLessThan(300);
    await rt.runner.drain();

    const all = (await inject({ method: 'GET', url: '/api/sources?limit=500' })).json();
    const literature = (await inject({ method: 'GET', url: '/api/sources?shelf=literature&limit=5' })).json();
    const documents = (await inject({ method: 'GET', url: '/api/sources?shelf=documents' })).json();
    expect(literature.total).toBeGreaterThan(5);
    expect(literature.items).toHaveLength(5);
    expect(literature.items.every((s: { kind: string }) => s.kind === 'literature')).toBe(true);
    expect(documents.items.map((s: { id: string }) => s.id).sort()).toEqual([guidelineId, textbookId].sort());
    expect(literature.total + documents.total).toBe(all.total);
    expect(documents.byKind).toEqual({ guideline: 1, textbook: 1 });

    const page2 = (await inject({ method: 'GET', url: '/api/sources?shelf=literature&limit=5&offset=5' })).json();
    expect(page2.items.map((s: { id: string }) => s.id)).not.toContain(literature.items[0].id);

    const title = documents.items.find((s: { id: string }) => s.id === guidelineId).title as string;
    const found = (await inject({ method: 'GET', url: `/api/sources?q=${encodeURIComponent(title.slice(2, 8))}` })).json();
    expect(found.items.map((s: { id: string }) => s.id)).toContain(guidelineId);
    expect(found.items.every((s: { title: string; fileName: string }) => `${s.title}${s.fileName}`.includes(title.slice(2, 8)))).toBe(true);
    const byTitle = (await inject({ method: 'GET', url: '/api/sources?shelf=documents&sort=title&order=asc' })).json().items.map((s: { title: string }) => s.title);
    expect(byTitle).toEqual([...byTitle].sort((a, b) => (a < b ? -1 : 1)));
    // LIKE wildcards in the query are literal characters, not patterns.
    const percent = (await inject({ method: 'GET', url: '/api/sources?q=%25&limit=500' })).json();
    expect(percent.total).toBeLessThan(all.total);
    for (const s of percent.items) expect(`${s.title}${s.publisher ?? ''}${s.fileName}${s.version ?? ''}`).toContain('%');
  });

  it('edits metadata (audited with before and after); only managers may', async () => {
    const denied = await inject({ method: 'PATCH', url: `/api/sources/${guidelineId}`, ...json({ version: '2027版' }) }, resident);
    expect(denied.statusCode).toBe(403);
    const bad = await inject({ method: 'PATCH', url: `/api/sources/${guidelineId}`, ...json({ year: 'soon' }) });
    expect(bad.statusCode).toBe(400);
    const empty = await inject({ method: 'PATCH', url: `/api/sources/${guidelineId}`, ...json({}) });
    expect(empty.statusCode).toBe(400);
    const before = (await inject({ method: 'GET', url: `/api/sources/${guidelineId}` })).json();
    const res = await inject({ method: 'PATCH', url: `/api/sources/${guidelineId}`, ...json({ version: '2027版', year: 2027, publisher: null }) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ version: '2027版', year: 2027, publisher: null, title: before.title });
    const [row] = await auditRows('source.edit', guidelineId);
    expect(row.actor).toBe('test-admin');
    expect(row.details).toMatchObject({ before: { version: before.version, year: before.year }, after: { version: '2027版', year: 2027 } });
  });

  it('lists a source’s passages and takes one out of search with a reason, then puts it back (audited)', async () => {
    const page = (await inject({ method: 'GET', url: `/api/sources/${guidelineId}/passages?limit=5` })).json();
    expect(page.total).toBeGreaterThan(5);
    expect(page.items.map((p: { ordinal: number }) => p.ordinal)).toEqual([0, 1, 2, 3, 4]);
    const [top] = await hitsOf(guidelineId);
    expect(top).toBeTruthy();
    const chunkId = top.chunkId as string;

    expect((await inject({ method: 'POST', url: `/api/chunks/${chunkId}/disable`, ...json({ reason: '排版错误' }) }, resident)).statusCode).toBe(403);
    expect((await inject({ method: 'POST', url: `/api/chunks/${chunkId}/disable`, ...json({}) })).statusCode).toBe(400);
    expect((await inject({ method: 'POST', url: '/api/chunks/src_nope:0/disable', ...json({ reason: '排版错误' }) })).statusCode).toBe(404);
    const off = await inject({ method: 'POST', url: `/api/chunks/${chunkId}/disable`, ...json({ reason: '排版错误，内容重复' }) });
    expect(off.statusCode).toBe(200);
    expect((await inject({ method: 'POST', url: `/api/chunks/${chunkId}/disable`, ...json({ reason: '再次' }) })).statusCode).toBe(409);

    expect((await hitsOf(guidelineId)).map((h: { chunkId: string }) => h.chunkId)).not.toContain(chunkId);
    const view = (await inject({ method: 'GET', url: `/api/chunks/${chunkId}` })).json();
    expect(view.chunk.disabled).toMatchObject({ by: 'test-admin', reason: '排版错误，内容重复' });
    const disabledOnly = (await inject({ method: 'GET', url: `/api/sources/${guidelineId}/passages?disabled=true` })).json();
    expect(disabledOnly.items.map((p: { id: string }) => p.id)).toEqual([chunkId]);
    expect((await auditRows('passage.disable', chunkId))[0]).toMatchObject({ actor: 'test-admin', details: { reason: '排版错误，内容重复', sourceId: guidelineId } });

    expect((await inject({ method: 'POST', url: `/api/chunks/${chunkId}/enable` })).statusCode).toBe(200);
    expect((await hitsOf(guidelineId)).map((h: { chunkId: string }) => h.chunkId)).toContain(chunkId);
    expect(await auditRows('passage.enable', chunkId)).toHaveLength(1);
  });

  it('re-parses a source with a new passage size as a job; reviewed relations stay', async () => {
    const before = (await inject({ method: 'GET', url: `/api/sources/${textbookId}` })).json();
    const activeRelations = async () => (await rt.db.query<{ id: string }>(`SELECT id FROM kg_relations WHERE status = 'active'`)).rows.map((r) => r.id);
    const relationsBefore = await activeRelations();
    expect((await inject({ method: 'POST', url: `/api/sources/${textbookId}/reparse`, ...json({ chunkChars: 50 }) })).statusCode).toBe(400);
    const res = await inject({ method: 'POST', url: `/api/sources/${textbookId}/reparse`, ...json({ chunkChars: 300 }) });
    expect(res.statusCode).toBe(202);
    expect(res.json().source.status).toBe('pending');
    expect(res.json().job).toMatchObject({ kind: 'ingest', status: 'queued' });
    const again = await inject({ method: 'POST', url: `/api/sources/${textbookId}/reparse`, ...json({}) });
    expect(again.statusCode).toBe(409);
    await rt.runner.drain();
    await rt.knowledge.projector.catchUp();
    const after = (await inject({ method: 'GET', url: `/api/sources/${textbookId}` })).json();
    expect(after.status).toBe('ready');
    expect(after.chunkCount).toBeGreaterThan(before.chunkCount);
    const sizes = (await inject({ method: 'GET', url: `/api/sources/${textbookId}/passages?limit=200` })).json().items.map((p: { text: string }) => p.text.length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(300 * 1.5);
    // Every reviewed relation is still active (re-extraction of the new passages may add approved ones: the demo reviewer).
    expect(await activeRelations()).toEqual(expect.arrayContaining(relationsBefore));
    expect((await auditRows('source.reparse', textbookId))[0].details).toMatchObject({ chunkChars: 300, passagesRemoved: before.chunkCount });
  });

  it('deletes a source after showing what goes; relations backed only by it are retired with history', async () => {
    expect((await inject({ method: 'DELETE', url: `/api/sources/${guidelineId}` }, resident)).statusCode).toBe(403);
    expect((await inject({ method: 'DELETE', url: '/api/sources/src_nope' })).statusCode).toBe(404);
    const plan = (await inject({ method: 'GET', url: `/api/sources/${guidelineId}/deletion` })).json();
    expect(plan.passages).toBeGreaterThan(5);
    expect(plan.pages).toBeGreaterThan(0);
    expect(plan.candidates.approved).toBeGreaterThan(0);
    expect(plan.relationsRetired.length).toBeGreaterThan(0);
    const retiredIds: string[] = plan.relationsRetired.map((r: { id: string }) => r.id);
    const keptBefore = (await rt.db.query<{ id: string }>(
      `SELECT DISTINCT r.id FROM kg_relations r JOIN kg_evidence e ON e.relation_id = r.id WHERE r.status = 'active' AND e.source_id = $1 AND r.id <> ALL($2::text[])`,
      [guidelineId, retiredIds],
    )).rows.map((r) => r.id);
    expect(keptBefore).toHaveLength(plan.relationsKept);

    const res = await inject({ method: 'DELETE', url: `/api/sources/${guidelineId}?reason=${encodeURIComponent('旧版，已由新指南替代')}` });
    expect(res.statusCode).toBe(200);
    await rt.knowledge.projector.catchUp();
    expect((await inject({ method: 'GET', url: `/api/sources/${guidelineId}` })).statusCode).toBe(404);
    expect(await hitsOf(guidelineId)).toEqual([]);
    const leftovers = await rt.db.query<{ n: number }>(
      `SELECT (SELECT count(*) FROM chunks WHERE source_id = $1) + (SELECT count(*) FROM pages WHERE source_id = $1) + (SELECT count(*) FROM kg_candidates WHERE source_id = $1) AS n`,
      [guidelineId],
    );
    expect(Number(leftovers.rows[0].n)).toBe(0);

    for (const id of retiredIds.slice(0, 5)) {
      const rel = (await inject({ method: 'GET', url: `/api/kg/relations/${id}` })).json();
      expect(rel.status).toBe('retired');
      expect(rel.history.some((h: { action: string; comment: string }) => h.action === 'retired' && h.comment.includes('来源已删除'))).toBe(true);
    }
    for (const id of keptBefore) expect((await inject({ method: 'GET', url: `/api/kg/relations/${id}` })).json().status).toBe('active');
    const [row] = await auditRows('source.delete', guidelineId);
    expect(row).toMatchObject({ actor: 'test-admin', details: { reason: '旧版，已由新指南替代', relationsRetired: retiredIds } });
    // The graph projection follows: no retired relation is left in the graph store.
    const edges = await rt.db.query<{ n: number }>('SELECT count(*)::int AS n FROM graph_relations WHERE id = ANY($1::text[])', [retiredIds]);
    expect(edges.rows[0].n).toBe(0);
  });

  it('never shows SQL to a user: every error response this suite provoked is a clean sentence', async () => {
    // Provoke the rest: restarted page markers (refused at upload), unknown ids, bad bodies.
    const restarted = '<!-- page: 1 -->\n# 第一章\n\n正文一。\n\n<!-- page: 2 -->\n正文二。\n\n<!-- page: 1 -->\n# 第二章\n\n正文三。\n';
    const up = await inject({ method: 'POST', url: '/api/sources', ...multipart({}, { name: 'joined.md', bytes: new TextEncoder().encode(restarted), type: 'text/markdown' }) });
    expect(up.statusCode).toBe(422);
    await inject({ method: 'GET', url: '/api/sources/src_nope/passages' });
    await inject({ method: 'GET', url: '/api/sources/src_nope/deletion' });
    await inject({ method: 'POST', url: '/api/sources/src_nope/reparse', ...json({}) });
    await inject({ method: 'PATCH', url: '/api/sources/src_nope', ...json({ title: 'x' }) });
    await inject({ method: 'GET', url: "/api/sources?sort=title';DROP" });
    await inject({ method: 'GET', url: '/api/sources/src_nope/file' });
    expect(errors.length).toBeGreaterThan(12);
    const leaking = errors.filter((e) => SQL_FRAGMENTS.test(e.body));
    expect(leaking).toEqual([]);
    for (const e of errors) expect(JSON.parse(e.body).error.message.length).toBeGreaterThan(3);
  });
});
