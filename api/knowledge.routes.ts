import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  ApprovalEditSchema,
  BULK_UNCONFIRMED_LIMIT,
  BulkPreviewSchema,
  CandidateFilterSchema,
  CandidateSchema,
  EntitySchema,
  HistoryEntrySchema,
  MergeSchema,
  RelationFilterSchema,
  RelationSchema,
  ResolutionSuggestionSchema,
} from '../knowledge/index.ts';
import type { Services } from '../runtime/index.ts';
import { JobSchema } from '../store/index.ts';
import { actorOf } from './actor.ts';
import { ErrorBodySchema } from './contract.ts';

const Id = z.object({ id: z.string().min(1).max(100) });
const Paging = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50), offset: z.coerce.number().int().min(0).max(1_000_000).default(0) });
const Comment = z.string().trim().max(2000).optional();
const Errors = { 400: ErrorBodySchema, 404: ErrorBodySchema, 409: ErrorBodySchema };

const ReviewBody = z.object({ comment: Comment, expectedVersion: z.number().int().positive().optional() }).strict();
const ApproveBody = ReviewBody.extend({ edit: ApprovalEditSchema.optional(), overrideConflict: z.boolean().optional() }).strict();
const BulkBody = z
  .object({
    action: z.enum(['approve', 'reject']),
    ids: z.array(z.string().max(100)).max(5000).optional(),
    filter: CandidateFilterSchema.omit({ status: true }).optional(),
    /** Approval by filter of more than BULK_UNCONFIRMED_LIMIT: the number of approvable candidates, typed by the reviewer. */
    confirmCount: z.number().int().min(0).optional(),
    comment: Comment,
  })
  .strict()
  .refine((b) => (b.ids?.length ?? 0) > 0 || b.filter !== undefined, { message: 'give ids or a filter', path: ['ids'] });

export const knowledgeRoutes = (rt: Services): FastifyPluginAsyncZod => async (app) => {
  const k = rt.knowledge;

  app.get('/api/kg/candidates', {
    config: { permission: 'knowledge.read' },
    schema: {
      tags: ['review'], summary: 'Review queue: candidate triples with evidence and conflicts',
      querystring: CandidateFilterSchema.extend(Paging.shape),
      response: { 200: z.object({ total: z.number(), counts: z.record(z.string(), z.number()), items: z.array(CandidateSchema) }) },
    },
  }, async (req) => {
    const { limit, offset, ...filter } = req.query;
    return k.candidates(filter, { limit, offset });
  });

  app.get('/api/kg/candidates/:id', {
    config: { permission: 'knowledge.read' },
    schema: { tags: ['review'], summary: 'One candidate with its review history', params: Id, response: { 200: CandidateSchema.extend({ history: z.array(HistoryEntrySchema) }), 404: ErrorBodySchema } },
  }, async (req) => k.candidate(req.params.id));

  app.post('/api/kg/candidates/:id/approve', {
    config: { permission: 'knowledge.review' },
    schema: { tags: ['review'], summary: 'Approve (optionally edit first): writes the relation and its graph event', params: Id, body: ApproveBody, response: { 200: CandidateSchema, ...Errors } },
  }, async (req) => k.approve(req.params.id, { ...req.body, actor: actorOf(req) }));

  app.post('/api/kg/candidates/:id/reject', {
    config: { permission: 'knowledge.review' },
    schema: { tags: ['review'], summary: 'Reject a candidate', params: Id, body: ReviewBody, response: { 200: CandidateSchema, ...Errors } },
  }, async (req) => k.reject(req.params.id, { ...req.body, actor: actorOf(req) }));

  app.post('/api/kg/candidates/bulk/preview', {
    config: { permission: 'knowledge.review' },
    schema: {
      tags: ['review'],
      summary: 'What approving by filter would do: approvable count per predicate and source, conflicts and unlinked held back, a sample, and whether a typed count is required',
      body: z.object({ filter: CandidateFilterSchema.omit({ status: true }).default({}), sample: z.number().int().min(0).max(50).default(10) }).strict(),
      response: { 200: BulkPreviewSchema.extend({ limit: z.number(), confirmationRequired: z.boolean() }), 400: ErrorBodySchema },
    },
  }, async (req) => k.bulkPreview(req.body.filter, req.body.sample));

  app.post('/api/kg/candidates/bulk', {
    config: { permission: 'knowledge.review' },
    schema: {
      tags: ['review'],
      summary: `Approve or reject many pending candidates by ids or by filter (at most 5,000). Conflicts are never approved in bulk; approval by filter of more than ${BULK_UNCONFIRMED_LIMIT} needs confirmCount`,
      body: BulkBody,
      response: { 200: z.object({ done: z.array(z.string()), failed: z.array(z.object({ id: z.string(), code: z.string(), message: z.string() })) }), 400: ErrorBodySchema, 428: ErrorBodySchema },
    },
  }, async (req) => k.bulk(req.body.action, { ids: req.body.ids, filter: req.body.filter, confirmCount: req.body.confirmCount }, { actor: actorOf(req), comment: req.body.comment }));

  app.get('/api/kg/relations', {
    config: { permission: 'knowledge.read' },
    schema: { tags: ['graph'], summary: 'Reviewed relations (filter stale=true: backed only by superseded sources)', querystring: RelationFilterSchema.extend(Paging.shape), response: { 200: z.object({ total: z.number(), items: z.array(RelationSchema) }) } },
  }, async (req) => {
    const { limit, offset, ...filter } = req.query;
    return k.relations(filter, { limit, offset });
  });

  app.get('/api/kg/relations/:id', {
    config: { permission: 'knowledge.read' },
    schema: { tags: ['graph'], summary: 'One relation with evidence and history', params: Id, response: { 200: RelationSchema.extend({ history: z.array(HistoryEntrySchema) }), 404: ErrorBodySchema } },
  }, async (req) => k.relation(req.params.id));

  app.post('/api/kg/relations/:id/retire', {
    config: { permission: 'knowledge.review' },
    schema: { tags: ['graph'], summary: 'Retire a relation (e.g. superseded by a newer guideline)', params: Id, body: z.object({ reason: z.string().trim().min(1).max(500) }).strict(), response: { 200: RelationSchema, ...Errors } },
  }, async (req) => k.retire(req.params.id, { actor: actorOf(req), reason: req.body.reason }));

  app.get('/api/kg/entities', {
    config: { permission: 'knowledge.read' },
    schema: {
      tags: ['graph'], summary: 'Autocomplete over entity names and aliases (Chinese, English, abbreviations)',
      querystring: z.object({ q: z.string().trim().min(1).max(100), type: z.string().max(20).optional(), limit: z.coerce.number().int().min(1).max(50).default(15) }),
      response: { 200: z.object({ items: z.array(EntitySchema) }) },
    },
  }, async (req) => ({ items: await k.searchEntities(req.query.q, { types: req.query.type ? [req.query.type] : undefined, limit: req.query.limit }) }));

  app.get('/api/kg/entities/:id', {
    config: { permission: 'knowledge.read' },
    schema: { tags: ['graph'], summary: 'One entity with merge proposals (similar entities of the same type)', params: Id, response: { 200: EntitySchema.extend({ similar: z.array(ResolutionSuggestionSchema) }), 404: ErrorBodySchema } },
  }, async (req) => k.entity(req.params.id));

  app.get('/api/kg/resolve', {
    config: { permission: 'knowledge.read' },
    schema: {
      tags: ['review'], summary: 'Entity candidates for a surface text (exact, fuzzy, embedding); never linked automatically below exact',
      querystring: z.object({ text: z.string().trim().min(1).max(100), type: z.string().max(20).optional() }),
      response: { 200: z.object({ items: z.array(ResolutionSuggestionSchema) }) },
    },
  }, async (req) => ({ items: await k.resolve(req.query.text, { type: req.query.type }) }));

  app.get('/api/kg/merges', {
    config: { permission: 'knowledge.read' },
    schema: { tags: ['review'], summary: 'Recent merges', response: { 200: z.object({ items: z.array(MergeSchema) }) } },
  }, async () => ({ items: await k.merges() }));

  app.post('/api/kg/merges', {
    config: { permission: 'knowledge.review' },
    schema: {
      tags: ['review'], summary: 'Merge an entity (fromId) or a surface text (fromSurface) into an entity; reversible',
      body: z.object({ fromId: z.string().max(100).optional(), fromSurface: z.string().trim().max(80).optional(), intoId: z.string().min(1).max(100), comment: Comment })
        .strict().refine((b) => !!b.fromId !== !!b.fromSurface, { message: 'give exactly one of fromId, fromSurface', path: ['fromId'] }),
      response: { 200: MergeSchema, ...Errors },
    },
  }, async (req) => {
    const { fromId, fromSurface, intoId, comment } = req.body;
    return k.merge({ fromId, fromSurface }, intoId, { actor: actorOf(req), comment });
  });

  app.post('/api/kg/merges/:id/undo', {
    config: { permission: 'knowledge.review' },
    schema: { tags: ['review'], summary: 'Undo a merge', params: Id, response: { 200: MergeSchema, ...Errors } },
  }, async (req) => k.undoMerge(req.params.id, { actor: actorOf(req) }));

  app.post('/api/kg/extract', {
    config: { permission: 'sources.manage' },
    schema: {
      tags: ['review'], summary: 'Queue triple extraction for one source or all indexed sources',
      body: z.object({ sourceId: z.string().max(100).optional(), engine: z.enum(['rules', 'llm']).default('rules') }).strict(),
      response: { 202: z.object({ jobs: z.array(JobSchema) }), ...Errors },
    },
  }, async (req, reply) => {
    const jobs = await k.queueExtraction({ sourceId: req.body.sourceId, engine: req.body.engine, actor: actorOf(req) });
    return reply.code(202).send({ jobs });
  });
};
