import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Runtime } from '../runtime/index.ts';
import { HealthSchema, ReadySchema } from './contract.ts';

export const healthRoutes = (rt: Runtime, version: string): FastifyPluginAsyncZod => async (app) => {
  app.get('/healthz', {
    config: { permission: 'public' },
    schema: { tags: ['health'], summary: 'Liveness', response: { 200: HealthSchema } },
  }, async () => ({ status: 'ok' as const, version }));

  app.get('/readyz', {
    config: { permission: 'public' },
    schema: { tags: ['health'], summary: 'Readiness: database, embedder, LLM, graph projection, corpus and jobs', response: { 200: ReadySchema, 503: ReadySchema } },
  }, async (_req, reply) => {
    const t0 = performance.now();
    let ok = true;
    let corpus = { sources: 0, chunks: 0 };
    let jobs: Record<string, number> = {};
    let graph: { store: string; pending: number; lastError: string | null } | null = null;
    try {
      const { rows } = await rt.db.query<{ sources: number; chunks: number }>(
        'SELECT (SELECT count(*)::int FROM sources) AS sources, (SELECT n_chunks::int FROM corpus_stats WHERE id = 1) AS chunks',
      );
      corpus = rows[0] ?? corpus;
      jobs = await rt.jobs.counts();
      const p = await rt.knowledge.projector.status();
      graph = { store: p.store, pending: p.pending, lastError: p.lastError };
    } catch {
      ok = false;
    }
    const body = {
      status: ok ? ('ready' as const) : ('degraded' as const),
      database: { ok, kind: rt.db.kind, latencyMs: Math.round((performance.now() - t0) * 10) / 10 },
      embedder: { model: rt.embedder.model, dims: rt.embedder.dims },
      llm: { provider: rt.config.llm.kind, model: rt.config.llm.model ?? null, note: rt.config.llm.kind === 'none' ? '未配置大模型：检索与问答使用确定性引擎 / no LLM: deterministic engines' : 'configured' },
      graph,
      corpus,
      jobs,
    };
    return reply.code(ok ? 200 : 503).send(body);
  });
};
