import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SOURCE_KINDS } from '../ingest/index.ts';
import type { Services } from '../runtime/index.ts';
import { ErrorBodySchema, SearchResponseSchema } from './contract.ts';

const csv = z.preprocess(
  (v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v),
  z.array(z.enum(SOURCE_KINDS)).optional(),
);

export const searchRoutes = (rt: Services): FastifyPluginAsyncZod => async (app) => {
  app.get('/api/search', {
    config: { permission: 'knowledge.read' },
    schema: {
      tags: ['search'],
      summary: 'Hybrid search (BM25 + vector, RRF) with citations and highlights',
      querystring: z.object({
        q: z.string().max(20000).default(''),
        top: z.coerce.number().int().min(1).max(50).default(10),
        kind: csv,
        yearFrom: z.coerce.number().int().min(1900).max(2200).optional(),
        yearTo: z.coerce.number().int().min(1900).max(2200).optional(),
        language: z.enum(['zh', 'en']).optional(),
        includeSuperseded: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
        mode: z.enum(['hybrid', 'bm25', 'vector']).default('hybrid'),
        explain: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
      }),
      response: { 200: SearchResponseSchema, 400: ErrorBodySchema },
    },
  }, async (req) => rt.search.search(req.query));
};
