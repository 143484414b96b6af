import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../core/index.ts';
import { GraphEntitySchema, type GraphFilter, GraphRelationSchema } from '../graph/index.ts';
import { ENTITY_TYPES, type ExportFormat, PREDICATES, PredicateSchema, ProjectionStatusSchema } from '../knowledge/index.ts';
import type { Services } from '../runtime/index.ts';
import { actorOf } from './actor.ts';
import { ErrorBodySchema } from './contract.ts';

const csv = <T extends z.ZodType>(item: T) =>
  z.preprocess((v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v), z.array(item).max(50)).optional();

const FilterQuery = z.object({
  types: csv(z.enum(ENTITY_TYPES)),
  predicates: csv(PredicateSchema),
  sources: csv(z.string().max(100)),
  certainty: csv(z.enum(['present', 'absent', 'possible'])),
});

const SubgraphSchema = z.object({ nodes: z.array(GraphEntitySchema), edges: z.array(GraphRelationSchema), truncated: z.boolean() });

function toFilter(q: z.infer<typeof FilterQuery>): GraphFilter {
  return { types: q.types, predicates: q.predicates, sourceIds: q.sources, certainty: q.certainty };
}

const EXPORT_TYPES: Record<ExportFormat, { mime: string; ext: string }> = {
  jsonl: { mime: 'application/x-ndjson; charset=utf-8', ext: 'jsonl' },
  'csv-nodes': { mime: 'text/csv; charset=utf-8', ext: 'nodes.csv' },
  'csv-edges': { mime: 'text/csv; charset=utf-8', ext: 'edges.csv' },
  cypher: { mime: 'text/plain; charset=utf-8', ext: 'cypher' },
};

export const graphRoutes = (rt: Services): FastifyPluginAsyncZod => async (app) => {
  const g = rt.graph;
  // Fastify parses text/plain already; JSON lines arrive as a string too, validated line by line by the importer.
  app.addContentTypeParser('application/x-ndjson', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.get('/api/graph/neighbours/:id', {
    config: { permission: 'knowledge.read' },
    schema: {
      tags: ['graph'], summary: 'Approved neighbourhood of an entity (1–3 hops), filtered',
      params: z.object({ id: z.string().min(1).max(100) }),
      querystring: FilterQuery.extend({ depth: z.coerce.number().int().min(1).max(3).default(1), limit: z.coerce.number().int().min(1).max(1000).default(200) }),
      response: { 200: SubgraphSchema, 404: ErrorBodySchema },
    },
  }, async (req) => {
    return g.neighbours(req.params.id, { depth: req.query.depth, limit: req.query.limit, filter: toFilter(req.query) });
  });

  app.get('/api/graph/path', {
    config: { permission: 'knowledge.read' },
    schema: {
      tags: ['graph'], summary: 'Shortest path between two entities',
      querystring: FilterQuery.extend({ from: z.string().min(1).max(100), to: z.string().min(1).max(100), maxHops: z.coerce.number().int().min(1).max(6).default(4) }),
      response: { 200: SubgraphSchema.extend({ found: z.boolean() }) },
    },
  }, async (req) => {
    const p = await g.shortestPath(req.query.from, req.query.to, { maxHops: req.query.maxHops, filter: toFilter(req.query) });
    return p ? { ...p, found: true } : { nodes: [], edges: [], truncated: false, found: false };
  });

  app.get('/api/graph/subgraph', {
    config: { permission: 'knowledge.read' },
    schema: {
      tags: ['graph'], summary: 'Every approved relation matching the filter (capped)',
      querystring: FilterQuery.extend({ limit: z.coerce.number().int().min(1).max(5000).default(500) }),
      response: { 200: SubgraphSchema },
    },
  }, async (req) => g.subgraph(toFilter(req.query), { limit: req.query.limit }));

  app.get('/api/graph/stats', {
    config: { permission: 'knowledge.read' },
    schema: {
      tags: ['graph'], summary: 'Graph size by entity type and predicate, review counts and projection status',
      response: {
        200: z.object({
          graph: z.object({ entities: z.number(), relations: z.number(), byType: z.record(z.string(), z.number()), byPredicate: z.record(z.string(), z.number()) }),
          review: z.record(z.string(), z.number()),
          relations: z.object({ active: z.number(), retired: z.number() }),
          projection: ProjectionStatusSchema,
          predicates: z.array(z.string()),
        }),
      },
    },
  }, async () => {
    return { ...(await g.overview()), predicates: [...PREDICATES] };
  });

  app.post('/api/graph/rebuild', {
    config: { permission: 'admin.users' },
    schema: { tags: ['graph'], summary: 'Empty the graph store and replay every outbox event', response: { 200: z.object({ applied: z.number(), lastSeq: z.number() }), 503: ErrorBodySchema } },
  }, async (req) => g.rebuild(actorOf(req)));

  app.get('/api/graph/export', {
    config: { permission: 'knowledge.read' },
    schema: {
      tags: ['graph'], summary: 'Export the reviewed graph: JSON lines (entities, aliases, relations, evidence), CSV nodes/edges, or a Cypher script',
      querystring: z.object({ format: z.enum(['jsonl', 'csv-nodes', 'csv-edges', 'cypher']).default('jsonl') }),
    },
  }, async (req, reply) => {
    const format = req.query.format;
    const body = await g.export(format, actorOf(req));
    const t = EXPORT_TYPES[format];
    return reply.header('content-type', t.mime).header('content-disposition', `attachment; filename="yingzhi-graph.${t.ext}"`).send(body);
  });

  app.post('/api/graph/import', {
    config: { permission: 'knowledge.review' },
    bodyLimit: 50 * 1024 * 1024,
    schema: {
      tags: ['graph'],
      summary:
        'Import a JSON-lines export; validated first, errors reported by line, nothing written on error. Only a file signed by this ' +
        "installation's export key arrives approved; any other file's facts become pending candidates in the review queue.",
      consumes: ['application/x-ndjson', 'text/plain'],
      querystring: z.object({ name: z.string().trim().min(1).max(255).optional() }),
      response: {
        200: z.object({
          entities: z.number(), relations: z.number(), skipped: z.number(), candidates: z.number(),
          signature: z.enum(['valid', 'unsigned', 'foreign']), sourceId: z.string().nullable(),
        }),
        400: ErrorBodySchema, 422: ErrorBodySchema,
      },
    },
  }, async (req) => {
    if (typeof req.body !== 'string') throw new AppError('VALIDATION_FAILED', '请以 application/x-ndjson 上传导出文件 / send the export as application/x-ndjson', { field: 'body' });
    return g.import(req.body, { actor: actorOf(req), fileName: req.query.name });
  });
};
