import path from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../api/index.ts';
import { loadDemoCollections, type Runtime } from '../runtime/index.ts';
import { DEMO, ingestFiles, testAuth, testRuntime } from './helpers/runtime.ts';

type Headers = Record<string, string>;
// biome-ignore lint/suspicious/noExplicitAny: response bodies are read loosely; their schemas are checked by the server
type Json = any;

const STROKE_QUERY = '急性缺血性脑卒中 静脉溶栓';
const NODULE_QUERY = '肺结节 随访';

/**
 * Issue 14 item 3: collections (knowledge bases) with per-role visibility; search, chat and the source pages
 * read only the collections the caller's role can see — enforced by the server, tested here as a resident against
 * a collection shown only to experts. Before this change there were no collections at all.
 */
describe('collections: per-role visibility, scoped search and chat', { timeout: 300_000 }, () => {
  let rt: Runtime;
  let app: FastifyInstance;
  let admin: Headers;
  let resident: Headers;
  let expert: Headers;
  let technician: Headers;
  let strokeId: string;
  let noduleId: string;
  let neuroId: string;
  let defaultId: string;
  const inject = (o: InjectOptions, as: Headers = admin): Promise<LightMyRequestResponse> => app.inject({ ...o, headers: { ...(o.headers ?? {}), ...as } });
  const json = (body: unknown) => ({ payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  const search = async (q: string, as: Headers, collection?: string) =>
    inject({ method: 'GET', url: `/api/search?q=${encodeURIComponent(q)}&top=30${collection ? `&collection=${encodeURIComponent(collection)}` : ''}` }, as);
  const sourcesOf = (res: LightMyRequestResponse) => new Set<string>(res.json().results.map((h: { sourceId: string }) => h.sourceId));
  /** One chat turn through the API; the stream's events, or the JSON error answered before it opened. */
  const chat = async (message: string, as: Headers, collections?: string[]) => {
    const res = await inject({ method: 'POST', url: '/api/chat', ...json({ message, ...(collections ? { collections } : {}) }) }, as);
    if (!String(res.headers['content-type']).startsWith('text/event-stream')) return { status: res.statusCode, body: res.json() as Json, events: [] as Json[] };
    const events = [...res.body.matchAll(/^data: (.+)$/gm)].map((m) => JSON.parse(m[1]));
    return { status: res.statusCode, body: null, events };
  };
  const citedSources = (events: Json[]) => new Set<string>(events.filter((e) => e.type === 'citations').flatMap((e) => e.citations.map((c: Json) => c.sourceId).filter(Boolean)));
  const auditRows = async (action: string, target: string) =>
    (await rt.db.query<{ actor: string; details: Json }>('SELECT actor, details FROM audit_log WHERE action = $1 AND target = $2 ORDER BY seq', [action, target])).rows;

  beforeAll(async () => {
    rt = await testRuntime();
    await ingestFiles(rt, [path.join(DEMO, 'stroke-guideline.md'), path.join(DEMO, 'lung-nodule-guideline.md')], { demo: true });
    app = await buildApp(rt);
    let tokenFor: Awaited<ReturnType<typeof testAuth>>['tokenFor'];
    ({ auth: admin, tokenFor } = await testAuth(rt));
    resident = await tokenFor('resident');
    expert = await tokenFor('expert');
    technician = await tokenFor('technician');
    const items = (await rt.services.sources.list()).items;
    strokeId = items.find((s) => s.fileName.startsWith('stroke'))?.id ?? '';
    noduleId = items.find((s) => s.fileName.startsWith('lung-nodule'))?.id ?? '';
    expect(strokeId && noduleId).toBeTruthy();
  });
  afterAll(async () => {
    await app?.close();
    await rt?.close();
  });

  it('has the default 全院知识库 holding every source, visible to every role', async () => {
    const res = await inject({ method: 'GET', url: '/api/collections' }, resident);
    expect(res.statusCode).toBe(200);
    const [first] = res.json().items;
    expect(first).toMatchObject({ name: '全院知识库', isDefault: true, sourceCount: 2 });
    expect(first.roles).toContain('resident');
    defaultId = first.id;
    // Before any collection is made, a resident's search reads both sources (nothing changed for existing installs).
    expect(sourcesOf(await search(STROKE_QUERY, resident)).has(strokeId)).toBe(true);
  });

  it('creates, renames and refuses bad input with Chinese errors naming what was wrong; writes need sources.manage', async () => {
    const created = await inject({ method: 'POST', url: '/api/collections', ...json({ name: '神经组', description: '神经影像', roles: ['expert'] }) });
    expect(created.statusCode).toBe(201);
    neuroId = created.json().id;
    expect(created.json()).toMatchObject({ name: '神经组', roles: ['expert'], sourceCount: 0, isDefault: false, createdBy: 'test-admin' });

    const dup = await inject({ method: 'POST', url: '/api/collections', ...json({ name: ' 神经组 ', roles: [] }) });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error).toMatchObject({ code: 'COLLECTION_NAME_TAKEN', field: 'name' });
    expect(dup.json().error.message).toContain('已有同名知识库「神经组」');

    const empty = await inject({ method: 'POST', url: '/api/collections', ...json({ name: '  ', roles: [] }) });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error.field).toBe('name');

    const badRole = await inject({ method: 'POST', url: '/api/collections', ...json({ name: '教学', roles: ['nurse'] }) });
    expect(badRole.statusCode).toBe(400);
    expect(badRole.json().error.field).toBe('roles');

    const forbidden = await inject({ method: 'POST', url: '/api/collections', ...json({ name: '住院医自建', roles: [] }) }, resident);
    expect(forbidden.statusCode).toBe(403);

    const unknown = await inject({ method: 'PATCH', url: '/api/collections/col_nope', ...json({ description: 'x' }) });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error).toMatchObject({ code: 'COLLECTION_NOT_FOUND' });
    expect(unknown.json().error.message).toContain('知识库「col_nope」不存在');

    const renamed = await inject({ method: 'PATCH', url: `/api/collections/${neuroId}`, ...json({ description: '神经影像：卒中、脑肿瘤' }) }, technician);
    expect(renamed.statusCode).toBe(200);
    expect(renamed.json().description).toBe('神经影像：卒中、脑肿瘤');
    const clash = await inject({ method: 'PATCH', url: `/api/collections/${neuroId}`, ...json({ name: '全院知识库' }) });
    expect(clash.statusCode).toBe(409);

    expect(await auditRows('collection.create', neuroId)).toEqual([expect.objectContaining({ actor: 'test-admin', details: { name: '神经组', roles: ['expert'] } })]);
    expect((await auditRows('collection.edit', neuroId))[0]).toMatchObject({ actor: 'test-technician', details: { before: { description: '神经影像' } } });
  });

  it('assigns sources: the stroke guideline moves to the experts-only 神经组; unknown ids are named', async () => {
    const missing = await inject({ method: 'POST', url: `/api/collections/${neuroId}/sources`, ...json({ sourceIds: [strokeId, 'src_missing'] }) });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.message).toContain('src_missing');
    expect((await rt.services.collections.require(neuroId, null)).sourceCount).toBe(0); // nothing half-written

    const added = await inject({ method: 'POST', url: `/api/collections/${neuroId}/sources`, ...json({ sourceIds: [strokeId] }) });
    expect(added.statusCode).toBe(200);
    expect(added.json()).toMatchObject({ changed: [strokeId], collection: { sourceCount: 1 } });
    const removed = await inject({ method: 'POST', url: `/api/collections/${defaultId}/sources/remove`, ...json({ sourceIds: [strokeId] }) });
    expect(removed.json()).toMatchObject({ changed: [strokeId], collection: { sourceCount: 1 } });
    expect(await auditRows('collection.add_sources', neuroId)).toEqual([expect.objectContaining({ details: { name: '神经组', sourceIds: [strokeId] } })]);
    expect(await auditRows('collection.remove_sources', defaultId)).toHaveLength(1);

    const listed = await inject({ method: 'GET', url: `/api/sources?collection=${encodeURIComponent('神经组')}` });
    expect(listed.json().items.map((s: Json) => s.id)).toEqual([strokeId]);
    expect(listed.json().items[0].collections).toEqual([{ id: neuroId, name: '神经组' }]);
  });

  it('scoped search returns only the chosen collection’s passages', async () => {
    const neuro = await search(STROKE_QUERY, admin, '神经组');
    expect(neuro.statusCode).toBe(200);
    expect(neuro.json().results.length).toBeGreaterThan(0);
    expect([...sourcesOf(neuro)]).toEqual([strokeId]);
    // A question about the other collection finds nothing inside 神经组, and its passages in 全院知识库.
    expect((await search(NODULE_QUERY, admin, '神经组')).json().results.filter((h: Json) => h.sourceId === noduleId)).toEqual([]);
    expect([...sourcesOf(await search(NODULE_QUERY, admin, defaultId))]).toEqual([noduleId]);
    // By id too, and several at once.
    expect(sourcesOf(await search(STROKE_QUERY, admin, `${neuroId},全院知识库`)).has(strokeId)).toBe(true);
    // The CLI's path (no signed-in viewer) resolves names the same way.
    const cli = await rt.services.search.search({ q: STROKE_QUERY, collections: ['神经组'] });
    expect(new Set(cli.results.map((h) => h.sourceId))).toEqual(new Set([strokeId]));
    const unknown = await search(STROKE_QUERY, admin, '骨科组');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error).toMatchObject({ code: 'COLLECTION_NOT_FOUND', field: 'collection' });
  });

  it('a resident never reads the experts-only collection: not in search, lists, source pages, passages or chat', async () => {
    const mine = await inject({ method: 'GET', url: '/api/collections' }, resident);
    expect(mine.json().items.map((c: Json) => c.name)).toEqual(['全院知识库']);

    const plain = await search(STROKE_QUERY, resident);
    expect(plain.statusCode).toBe(200);
    expect(sourcesOf(plain).has(strokeId)).toBe(false);
    const asked = await search(STROKE_QUERY, resident, '神经组');
    expect(asked.statusCode).toBe(404);
    expect(asked.json().error.message).toBe('知识库「神经组」不存在或您无权查看');
    expect((await search(STROKE_QUERY, resident, neuroId)).statusCode).toBe(404);

    const sources = await inject({ method: 'GET', url: '/api/sources' }, resident);
    expect(sources.json().items.map((s: Json) => s.id)).toEqual([noduleId]);
    expect((await inject({ method: 'GET', url: `/api/sources?collection=${neuroId}` }, resident)).statusCode).toBe(404);
    expect((await inject({ method: 'GET', url: `/api/sources/${strokeId}` }, resident)).statusCode).toBe(404);
    expect((await inject({ method: 'GET', url: `/api/sources/${strokeId}/pages/1` }, resident)).statusCode).toBe(404);
    expect((await inject({ method: 'GET', url: `/api/sources/${strokeId}/passages` }, resident)).statusCode).toBe(404);
    expect((await inject({ method: 'GET', url: `/api/sources/${strokeId}/file` }, resident)).statusCode).toBe(404);
    const chunkId = (await search(STROKE_QUERY, admin, '神经组')).json().results[0].chunkId;
    expect((await inject({ method: 'GET', url: `/api/chunks/${encodeURIComponent(chunkId)}` }, resident)).statusCode).toBe(404);
    expect((await inject({ method: 'GET', url: `/api/chunks/${encodeURIComponent(chunkId)}` }, expert)).statusCode).toBe(200);

    // Chat: the resident's answer cites nothing of the stroke guideline; naming 神经组 is refused before the stream.
    const turn = await chat('急性缺血性脑卒中静脉溶栓的时间窗是多少？', resident);
    expect(turn.status).toBe(200);
    expect(turn.events.some((e) => e.type === 'done')).toBe(true);
    expect(citedSources(turn.events).has(strokeId)).toBe(false);
    const toolsSeen = JSON.stringify(turn.events.filter((e) => e.type === 'tool'));
    expect(toolsSeen).not.toContain(strokeId);
    const refused = await chat('急性缺血性脑卒中静脉溶栓的时间窗是多少？', resident, ['神经组']);
    expect(refused.status).toBe(404);
    expect(refused.body.error.code).toBe('COLLECTION_NOT_FOUND');
  });

  it('an expert sees it and can answer from it alone; the collection choice narrows chat', async () => {
    expect(sourcesOf(await search(STROKE_QUERY, expert, '神经组'))).toEqual(new Set([strokeId]));
    const turn = await chat('急性缺血性脑卒中静脉溶栓的时间窗是多少？', expert, ['神经组']);
    expect(turn.status).toBe(200);
    const cited = citedSources(turn.events);
    expect(cited.size).toBeGreaterThan(0);
    expect([...cited]).toEqual([strokeId]);
    const other = await chat('肺结节随访间隔', expert, ['神经组']);
    expect(citedSources(other.events).has(noduleId)).toBe(false);
  });

  it('deletes a collection but never the default one; its sources stay', async () => {
    const def = await inject({ method: 'DELETE', url: `/api/collections/${defaultId}` });
    expect(def.statusCode).toBe(409);
    expect(def.json().error.message).toContain('默认知识库');
    const gone = await inject({ method: 'DELETE', url: `/api/collections/${neuroId}` });
    expect(gone.statusCode).toBe(200);
    expect(await rt.services.sources.get(strokeId)).not.toBeNull();
    expect(await auditRows('collection.delete', neuroId)).toEqual([expect.objectContaining({ details: { name: '神经组', sources: 1 } })]);
    // In no collection now: only managers (who see everything) find it.
    expect(sourcesOf(await search(STROKE_QUERY, resident)).has(strokeId)).toBe(false);
    expect(sourcesOf(await search(STROKE_QUERY, technician)).has(strokeId)).toBe(true);
  });

  it('a newly registered source joins the default collection', async () => {
    await ingestFiles(rt, [path.join(DEMO, 'cap-guideline.md')], { demo: true });
    const listed = (await inject({ method: 'GET', url: `/api/sources?collection=${defaultId}` }, resident)).json().items;
    expect(listed.some((s: Json) => s.fileName === 'cap-guideline.md')).toBe(true);
  });

  it('the demo corpus gets department collections once; an admin’s later edits stay', async () => {
    const registered = (await rt.services.sources.list()).items.map((source) => ({ status: 'queued' as const, source, job: null }));
    await loadDemoCollections(rt, registered);
    const byName = new Map((await rt.services.collections.list(null)).map((c) => [c.name, c]));
    expect([...byName.keys()]).toEqual(expect.arrayContaining(['全院知识库', '胸部组', '神经组', '腹盆组', '文献']));
    const members = async (name: string) => (await rt.services.sources.list({ collection: name })).items.map((s) => s.fileName).sort();
    expect(await members('胸部组')).toEqual(['cap-guideline.md', 'lung-nodule-guideline.md']);
    expect(await members('神经组')).toEqual(['stroke-guideline.md']);
    expect(byName.get('神经组')?.roles).toContain('resident');
    await rt.services.collections.removeSources(byName.get('胸部组')?.id ?? '', [noduleId], 'test-admin');
    await loadDemoCollections(rt, registered);
    expect(await members('胸部组')).toEqual(['cap-guideline.md']);
  });
});
