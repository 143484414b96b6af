import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../api/index.ts';
import { CONNECTORS_HEALTH_JOB } from '../connectors/index.ts';
import type { Runtime } from '../runtime/index.ts';
import { testAuth, testRuntime } from './helpers/runtime.ts';

/**
 * Issue 14 item 9: a connector health check every 60 s flooded the Jobs page (200 rows, no paging).
 * Health checks are connector history, not jobs in the list; the list is paged and filtered.
 */
describe('jobs list: paged, filtered, without connector health checks', () => {
  let rt: Runtime;
  let app: FastifyInstance;
  let admin: Record<string, string>;

  beforeAll(async () => {
    rt = await testRuntime();
    app = await buildApp(rt);
    ({ auth: admin } = await testAuth(rt));
    await rt.db.transaction(async (tx) => {
      for (let i = 0; i < 30; i++) await rt.jobs.enqueue(tx, CONNECTORS_HEALTH_JOB, { scheduledFor: `t${i}` }, { dedupeKey: `walk-health:${i}` });
      for (let i = 0; i < 70; i++) await rt.jobs.enqueue(tx, 'extract', { sourceId: `src_${i % 7}`, engine: 'rules' }, { dedupeKey: `walk-extract:${i}` });
    });
  });
  afterAll(async () => {
    await app?.close();
    await rt?.close();
  });

  const get = async (url: string) => (await app.inject({ method: 'GET', url, headers: admin })).json();

  it('leaves health checks out of the list and the counts unless asked for by kind', async () => {
    const all = await get('/api/jobs?limit=500');
    expect(all.items.some((j: { kind: string }) => j.kind === CONNECTORS_HEALTH_JOB)).toBe(false);
    expect(all.total).toBe(all.items.length);
    expect(Object.values(all.counts as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(all.total);
    const health = await get(`/api/jobs?kind=${CONNECTORS_HEALTH_JOB}&limit=500`);
    expect(health.total).toBeGreaterThanOrEqual(30);
    expect(health.items.every((j: { kind: string }) => j.kind === CONNECTORS_HEALTH_JOB)).toBe(true);
  });

  it('pages with limit and offset, and filters by kind and source', async () => {
    const first = await get('/api/jobs?kind=extract&limit=25');
    const second = await get('/api/jobs?kind=extract&limit=25&offset=25');
    expect(first.total).toBe(70);
    expect(first.items).toHaveLength(25);
    expect(second.items).toHaveLength(25);
    const ids = new Set([...first.items, ...second.items].map((j: { id: string }) => j.id));
    expect(ids.size).toBe(50);
    const one = await get('/api/jobs?sourceId=src_3&limit=100');
    expect(one.total).toBe(10);
    expect(one.items.every((j: { payload: { sourceId: string } }) => j.payload.sourceId === 'src_3')).toBe(true);
  });
});
