import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SOURCE_KINDS } from '../ingest/index.ts';
import type { Services } from '../runtime/index.ts';
import { ErrorBodySchema, SearchResponseSchema } from './contract.ts';
import { principalOf } from './permissions.ts';

/** Collection names or ids: `collection=胸部组,神经组` or the parameter repeated. */
const collectionList = z.preprocess(
  (v) => (Array.isArray(v) ? v : [v]).flatMap((x) => (typeof x === 'string' ? x.split(',') : [])).map((x) => x.trim()).filter(Boolean),
  z.array(z.string().max(100)).max(20),
).optional();

const csv = z.preprocess(
  (v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v),
  z.array(z.enum(SOURCE_KINDS)).optional(),
);

export const searchRoutes = (rt: Services): FastifyPluginAsyncZod => async (app) => {
  app.get('/api/search', {
    config: { permission: 'knowledge.read' },
    schema: {
      tags: ['search'],
      summary: 'Hybrid search (BM25 + vector, RRF) with citations and highlights, within the collections your role can see',
      description: '`collection` (names or ids, comma-separated or repeated) narrows the search to those collections; an unknown collection, or one your role cannot see, is 404 COLLECTION_NOT_FOUND.',
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
        collection: collectionList,
      }),
      response: { 200: SearchResponseSchema, 400: ErrorBodySchema, 404: ErrorBodySchema },
    },
  }, async (req) => {
    const { collection, ...query } = req.query;
    // The caller's role decides which collections are searched (collections/collections.service.ts).
    return rt.search.search({ ...query, collections: collection }, undefined, principalOf(req));
  });
};
