import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Services } from '../runtime/index.ts';
import { HealthSchema, ReadySchema } from './contract.ts';

export const healthRoutes = (rt: Services, version: string): FastifyPluginAsyncZod => async (app) => {
  app.get('/healthz', {
    config: { permission: 'public' },
    schema: { tags: ['health'], summary: 'Liveness', response: { 200: HealthSchema } },
  }, async () => ({ status: 'ok' as const, version }));

  app.get('/readyz', {
    config: { permission: 'public' },
    schema: { tags: ['health'], summary: 'Readiness: database, embedder, LLM, graph projection, corpus and jobs', response: { 200: ReadySchema, 503: ReadySchema } },
  }, async (_req, reply) => {
    const body = await rt.health.readiness();
    return reply.code(body.status === 'ready' ? 200 : 503).send(body);
  });
};
