import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { allows } from '../auth/index.ts';
import {
  CaseFilterSchema, CaseInputSchema, CaseSchema, CompareResultSchema, DifferentialResultSchema, ImportResultSchema, MatchRequestSchema, ParsedQuerySchema, SimilarResultSchema, TimelineSchema,
} from '../cases/index.ts';
import type { Services } from '../runtime/index.ts';
import { actorOf } from './actor.ts';
import { ErrorBodySchema } from './contract.ts';
import { readUpload } from './multipart.ts';
import { principalOf } from './permissions.ts';

const Id = z.object({ id: z.string().min(1).max(100) });
const Paging = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50), offset: z.coerce.number().int().min(0).max(1_000_000).default(0) });
const curator = (req: FastifyRequest) => allows(principalOf(req).permissions, 'knowledge.review');
const Errors = { 400: ErrorBodySchema, 404: ErrorBodySchema, 409: ErrorBodySchema, 422: ErrorBodySchema };

/**
 * Case matching: typical cases are read by every clinical role (knowledge.read); curating, importing and
 * approving them is the experts' (knowledge.review), like triples. Readers see approved cases only.
 */
export const casesRoutes = (rt: Services): FastifyPluginAsyncZod => async (app) => {
  const svc = rt.cases.service;

  app.get('/api/cases', {
    config: { permission: 'knowledge.read' },
    schema: { tags: ['cases'], summary: 'Typical cases (readers: approved only; curators: any status)', querystring: CaseFilterSchema.extend(Paging.shape), response: { 200: z.object({ total: z.number(), items: z.array(CaseSchema) }) } },
  }, async (req) => {
    const { limit, offset, ...f } = req.query;
    return svc.list(curator(req) ? f : { ...f, status: 'approved' }, { limit, offset });
  });

  app.get('/api/cases/fields', {
    config: { permission: 'knowledge.read' },
    schema: { tags: ['cases'], summary: 'Disease-area fields (cases/disease-fields.yaml)' },
  }, async () => rt.cases.fields);

  app.post('/api/cases/findings', {
    config: { permission: 'knowledge.read' },
    schema: { tags: ['cases'], summary: 'Structured findings (entity, location, size, certainty) from pasted findings text; de-identified first; stores nothing', body: z.object({ findings: z.string().max(20_000) }).strict(), response: { 200: ParsedQuerySchema, ...Errors } },
  }, async (req) => svc.readFindings(req.body.findings));

  app.post('/api/cases/similar', {
    config: { permission: 'knowledge.read' },
    schema: { tags: ['cases'], summary: 'Most similar typical cases, every score explained; stores nothing', body: MatchRequestSchema, response: { 200: SimilarResultSchema, ...Errors } },
  }, async (req) => svc.similar({ ...req.body, includeDrafts: req.body.includeDrafts && curator(req) }));

  app.post('/api/cases/differential', {
    config: { permission: 'knowledge.read' },
    schema: {
      tags: ['cases'],
      summary: 'Ranked differential over the approved graph blended with the most similar typical cases: supporting, contradicting and missing findings with relation ids and passages; with `narrate` and a model, a short comparison checked sentence by sentence; stores nothing',
      body: MatchRequestSchema.extend({ consider: z.array(z.string().trim().min(1).max(100)).max(20).optional(), narrate: z.boolean().optional() }),
      response: { 200: DifferentialResultSchema, ...Errors },
    },
  }, async (req) => svc.differential(req.body));

  app.post('/api/cases/compare', {
    config: { permission: 'knowledge.read' },
    schema: {
      tags: ['cases'],
      summary: 'Similar cases (similarTop, default 5) and the differential (top) for one pasted case in one pass: the findings are read once and the similar cases listed are the ones that vote; stores nothing',
      body: MatchRequestSchema.extend({ similarTop: z.number().int().min(1).max(50).optional() }),
      response: { 200: CompareResultSchema, ...Errors },
    },
  }, async (req) => svc.compare({ ...req.body, includeDrafts: false }));

  app.post('/api/cases/import', {
    config: { permission: 'knowledge.review' },
    bodyLimit: 20 * 1024 * 1024,
    schema: {
      tags: ['cases'], summary: 'Import cases (multipart file: JSON array, JSONL or CSV) as drafts; validated first, any error and nothing is written; the same file twice adds nothing',
      consumes: ['multipart/form-data'], response: { 201: ImportResultSchema, ...Errors, 413: ErrorBodySchema },
    },
  }, async (req, reply) => {
    const { file } = await readUpload(req, []);
    return reply.code(201).send(await svc.importFile(file.bytes, file.name.slice(0, 200), actorOf(req), { status: 'draft' }));
  });

  app.post('/api/cases', {
    config: { permission: 'knowledge.review' },
    schema: { tags: ['cases'], summary: 'Create a draft case (texts de-identified before storage)', body: CaseInputSchema, response: { 201: CaseSchema, ...Errors } },
  }, async (req, reply) => reply.code(201).send(await svc.save(req.body, actorOf(req))));

  app.get('/api/cases/:id', {
    config: { permission: 'knowledge.read' },
    schema: { tags: ['cases'], summary: 'One case', params: Id, response: { 200: CaseSchema, 404: ErrorBodySchema } },
  }, async (req) => svc.getVisible(req.params.id, curator(req)));

  app.put('/api/cases/:id', {
    config: { permission: 'knowledge.review' },
    schema: { tags: ['cases'], summary: 'Replace a case (back to draft: it needs approval again)', params: Id, body: CaseInputSchema, response: { 200: CaseSchema, ...Errors } },
  }, async (req) => svc.save(req.body, actorOf(req), req.params.id));

  app.post('/api/cases/:id/approve', {
    config: { permission: 'knowledge.review' },
    schema: { tags: ['cases'], summary: 'Approve a draft case', params: Id, response: { 200: CaseSchema, ...Errors } },
  }, async (req) => svc.approve(req.params.id, actorOf(req)));

  app.post('/api/cases/:id/retire', {
    config: { permission: 'knowledge.review' },
    schema: { tags: ['cases'], summary: 'Retire a case (no longer matched)', params: Id, response: { 200: CaseSchema, ...Errors } },
  }, async (req) => svc.retire(req.params.id, actorOf(req)));

  app.get('/api/cases/:id/timeline', {
    config: { permission: 'knowledge.read' },
    schema: { tags: ['cases'], summary: "Measurements over time, growth and volume doubling time (only from the case's measurements)", params: Id, response: { 200: TimelineSchema, 404: ErrorBodySchema } },
  }, async (req) => svc.timeline(req.params.id, curator(req)));
};
