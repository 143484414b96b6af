import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { LlmStatusSchema, llmStatus } from '../llm/index.ts';
import type { Runtime } from '../runtime/index.ts';

export const llmRoutes = (rt: Runtime): FastifyPluginAsyncZod => async (app) => {
  app.get('/api/llm/status', {
    config: { permission: 'knowledge.read' },
    schema: {
      tags: ['llm'],
      summary: 'Configured model, a live reachability check, context size, token/latency statistics and prompt versions',
      response: { 200: LlmStatusSchema },
    },
  }, async () => llmStatus(rt.config.llm, rt.llm, rt.llmUsage));
};
