import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../runtime/index.ts';
import { DEMO, testRuntime } from './helpers/runtime.ts';

/**
 * Use cases that used to live twice, differently, in a route and a command (issue 20 item 1): each now has one
 * home in a service, so the API and the CLI behave alike.
 */
describe('application services', () => {
  let rt: Runtime;
  const file = path.join(DEMO, 'lung-nodule-guideline.md');

  beforeAll(async () => {
    rt = await testRuntime({ YZ_AUTO_EXTRACT: 'off' });
  });
  afterAll(async () => rt?.close());

  it('queueing extraction refuses a source that is not indexed yet, for every caller (the CLI used to skip the check)', async () => {
    const reg = await rt.services.sources.register(readFileSync(file), path.basename(file), {}, {}, { actor: 'tester' });
    expect(reg.status).not.toBe('duplicate');
    // Registered, its ingest job not run: pending.
    await expect(rt.services.knowledge.queueExtraction({ sourceId: reg.source.id, engine: 'rules', actor: 'tester' })).rejects.toMatchObject({ code: 'STATE_CONFLICT' });
    await expect(rt.services.knowledge.queueExtraction({ sourceId: 'src_nope', engine: 'rules', actor: 'tester' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await rt.services.jobs.drain();
    const jobs = await rt.services.knowledge.queueExtraction({ sourceId: reg.source.id, engine: 'rules', actor: 'tester' });
    expect(jobs).toHaveLength(1);
    await rt.services.jobs.drain();
    expect((await rt.services.jobs.get(jobs[0].id))?.status).toBe('succeeded');
  });

  it('the passage view cites a retracted source with the warning search shows', async () => {
    const { items } = await rt.services.sources.list({ status: 'ready' });
    const source = items[0];
    const { items: passages } = await rt.services.sources.passages(source.id, { limit: 1, offset: 0 });
    const before = await rt.services.sources.passage(passages[0].id);
    expect(before.chunk.citation).not.toContain('retracted');
    // A PubMed retraction notice sets this (literature/); here it is set directly.
    await rt.db.query(`UPDATE sources SET retracted_at = now(), retraction_note = 'test' WHERE id = $1`, [source.id]);
    const after = await rt.services.sources.passage(passages[0].id);
    expect(after.chunk.citation).toContain('〔已撤稿 / retracted〕');
    const hit = (await rt.services.search.search({ q: before.chunk.text.slice(0, 12), top: 20, mode: 'bm25' })).results.find((h) => h.chunkId === passages[0].id);
    if (hit) expect(hit.citation).toBe(after.chunk.citation);
  });

  it('retrying a job through the service is audited and refuses a finished one with its status', async () => {
    const [job] = await rt.services.jobs.list({ status: 'succeeded', limit: 1 });
    await expect(rt.services.jobs.retry(job.id, 'tester')).rejects.toMatchObject({ code: 'STATE_CONFLICT' });
    await expect(rt.services.jobs.retry('job_nope', 'tester')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
