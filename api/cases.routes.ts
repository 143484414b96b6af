import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../core/index.ts';
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
const ImageId = Id.extend({ imageId: z.string().min(1).max(100) });
const ImageMetaSchema = CaseSchema.shape.images.element;
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
    schema: {
      tags: ['cases'], params: Id, response: { 200: TimelineSchema, 404: ErrorBodySchema },
      summary: "The patient's timeline: the studies of every case filed under the case's (encrypted) patient identifier, measurements over time per lesion, growth and volume doubling time (only from given measurements)",
    },
  }, async (req) => svc.timeline(req.params.id, curator(req)));

  app.post('/api/cases/:id/images', {
    config: { permission: 'knowledge.review' },
    bodyLimit: 40 * 1024 * 1024,
    schema: {
      tags: ['cases'], params: Id, consumes: ['multipart/form-data'],
      summary: 'Attach a key image (multipart: file PNG/JPEG/DICOM, caption, windowCenter, windowWidth): type by magic bytes, size limits, metadata stripped (JPEG APP1–APP15/COM/thumbnail, PNG re-encoded), DICOM rendered to PNG; caption de-identified; audited',
      response: { 201: ImageMetaSchema.extend({ created: z.boolean(), metadataRemoved: z.array(z.string()) }), ...Errors, 413: ErrorBodySchema, 415: ErrorBodySchema },
    },
  }, async (req, reply) => {
    const { file, fields } = await readUpload(req, ['caption', 'windowCenter', 'windowWidth']);
    const wl = z.object({ center: z.coerce.number().finite().min(-5000).max(5000), width: z.coerce.number().finite().positive().max(10000) }).safeParse({ center: fields.windowCenter, width: fields.windowWidth });
    if ((fields.windowCenter || fields.windowWidth) && !wl.success) throw new AppError('VALIDATION_FAILED', '窗位/窗宽无效 / invalid window center or width', { field: 'windowWidth' });
    const r = await svc.addImage(req.params.id, file.bytes, file.name.slice(0, 200), { caption: fields.caption, window: wl.success ? wl.data : undefined }, actorOf(req));
    return reply.code(201).send(r);
  });

  app.get('/api/cases/:id/images/:imageId', {
    config: { permission: 'knowledge.read' },
    schema: { tags: ['cases'], summary: "A key image's bytes (PNG or JPEG, metadata stripped); readers only of approved cases", params: ImageId },
  }, async (req, reply) => {
    const img = await svc.imageBytes(req.params.id, req.params.imageId, curator(req));
    return reply.header('content-type', img.mime).header('x-content-type-options', 'nosniff').header('cache-control', 'private, max-age=3600').send(img.bytes);
  });

  app.delete('/api/cases/:id/images/:imageId', {
    config: { permission: 'knowledge.review' },
    schema: { tags: ['cases'], summary: 'Remove a key image from a case; audited', params: ImageId, response: { 204: z.null(), 404: ErrorBodySchema } },
  }, async (req, reply) => {
    await svc.removeImage(req.params.id, req.params.imageId, actorOf(req));
    return reply.code(204).send(null);
  });
};
