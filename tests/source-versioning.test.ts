import path from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../api/index.ts';
import type { Runtime } from '../runtime/index.ts';
import { multipart } from './helpers/multipart.ts';
import { DEMO, ingestFiles, testAuth, testRuntime } from './helpers/runtime.ts';

const QUERY = '静脉溶栓';
// Words the one-line uploads below do not contain, and top=50 (more than the guideline's matching passages): a second current source cannot push a guideline passage out of the count.

/**
 * M2 (issue 12): a one-line `stroke-guideline.txt` uploaded beside the stroke guideline silently
 * superseded it — its search hits went from 9 to 0 and 31 approved relations became stale.
 */
describe('M2: versioning is the uploader’s explicit, reversible choice', { timeout: 300_000 }, () => {
  let rt: Runtime;
  let app: FastifyInstance;
  let auth: Record<string, string>;
  let guidelineId: string;
  const inject = (o: InjectOptions) => app.inject({ ...o, headers: { ...(o.headers ?? {}), ...auth } });
  const upload = (fields: Record<string, string> = {}) =>
    inject({ method: 'POST', url: '/api/sources', ...multipart(fields, { name: 'stroke-guideline.txt', bytes: new TextEncoder().encode('脑卒中指南已更新，请以新版为准。\n') }) });
  const guidelineHits = async () =>
    (await inject({ method: 'GET', url: `/api/search?q=${encodeURIComponent(QUERY)}&top=50` })).json().results.filter((h: { sourceId: string }) => h.sourceId === guidelineId).length;
  const staleRelations = async () => (await inject({ method: 'GET', url: '/api/kg/relations?stale=true&limit=1' })).json().total as number;
  const sourceCount = async () => (await inject({ method: 'GET', url: '/api/sources' })).json().total as number;
  const drain = async () => {
    await rt.runner.drain();
    await rt.knowledge.projector.catchUp();
  };

  beforeAll(async () => {
    rt = await testRuntime();
    await ingestFiles(rt, [path.join(DEMO, 'stroke-guideline.md')], { demo: true });
    app = await buildApp(rt);
    ({ auth } = await testAuth(rt));
    guidelineId = (await rt.sources.list()).items[0].id;
  });
  afterAll(async () => {
    await app.close();
    await rt.close();
  });

  it('refuses a same-name upload without a choice (409 listing the match) and changes nothing', async () => {
    const hits = await guidelineHits();
    const relations = (await inject({ method: 'GET', url: '/api/kg/relations?limit=1' })).json().total;
    expect(hits).toBeGreaterThan(2);
    expect(relations).toBeGreaterThan(5);
    expect(await staleRelations()).toBe(0);

    const matches = await inject({ method: 'GET', url: '/api/sources/name-matches?fileName=stroke-guideline.txt' });
    expect(matches.json().matches.map((m: { id: string }) => m.id)).toEqual([guidelineId]);

    const res = await upload();
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatchObject({ code: 'SAME_NAME_EXISTS', details: { matches: [{ id: guidelineId }] } });
    await drain();
    expect(await sourceCount()).toBe(1);
    expect(await guidelineHits()).toBe(hits);
    expect(await staleRelations()).toBe(0);
  });

  it('supersedes when the uploader chooses it, and an unsupersede restores hits and relations', async () => {
    const hits = await guidelineHits();
    const res = await upload({ supersedes: guidelineId });
    expect(res.statusCode).toBe(202);
    const newId = res.json().source.id;
    await drain();
    expect((await inject({ method: 'GET', url: `/api/sources/${guidelineId}` })).json().supersededBy).toBe(newId);
    expect(await guidelineHits()).toBe(0);
    const stale = await staleRelations();
    expect(stale).toBeGreaterThan(5);

    const undo = await inject({ method: 'POST', url: `/api/sources/${guidelineId}/unsupersede` });
    expect(undo.statusCode).toBe(200);
    expect(undo.json()).toMatchObject({ restored: { id: guidelineId, supersededBy: null }, detached: { id: newId, versionNo: 1 } });
    await drain();
    // Current and searchable again (with two current sources the statistics differ, so a borderline passage may
    // cross the relevance cut-off: not an exact count).
    expect(await guidelineHits()).toBeGreaterThanOrEqual(hits - 2);
    expect(await staleRelations()).toBe(0);
    // Both are current now: the next same-name upload meets both, and undoing twice is a conflict.
    const names = (await inject({ method: 'GET', url: '/api/sources/name-matches?fileName=Stroke-Guideline.pdf' })).json();
    expect(names.matches.map((m: { id: string }) => m.id).sort()).toEqual([guidelineId, newId].sort());
    expect((await inject({ method: 'POST', url: `/api/sources/${guidelineId}/unsupersede` })).json().error.code).toBe('STATE_CONFLICT');
  });

  it('imports a separate source when asked, leaving the guideline current', async () => {
    const hits = await guidelineHits();
    const res = await upload({ separate: 'true' });
    // The same bytes as the detached upload above: an identical file is a duplicate, whatever the choice.
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('DUPLICATE_SOURCE');
    const other = await inject({
      method: 'POST',
      url: '/api/sources',
      ...multipart({ separate: 'true' }, { name: 'stroke-guideline.md', bytes: new TextEncoder().encode('# 卒中护理要点\n\n卒中单元护理的要点。\n') }),
    });
    expect(other.statusCode).toBe(202);
    await drain();
    // The guideline stays current and searchable (a new source changes corpus statistics, so a borderline
    // passage may cross the relevance cut-off; the count is not exact here).
    expect((await inject({ method: 'GET', url: `/api/sources/${guidelineId}` })).json().supersededBy).toBeNull();
    expect(await guidelineHits()).toBeGreaterThanOrEqual(hits - 2);
    expect(await staleRelations()).toBe(0);
    expect((await inject({ method: 'POST', url: '/api/sources', ...multipart({ separate: 'maybe' }, { name: 'x.md', bytes: new TextEncoder().encode('# x\n\n正文。') }) })).json().error).toMatchObject({
      code: 'VALIDATION_FAILED',
      field: 'separate',
    });
  });
});
