import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, EntityTypeSchema } from '../core/index.ts';
import { type ImportRequest, TermDecisionSchema, TermProposalFilterSchema, TermProposalSchema, VocabFormatSchema, VocabImportSchema } from '../knowledge/index.ts';
import type { Services } from '../runtime/index.ts';
import { actorOf } from './actor.ts';
import { ErrorBodySchema } from './contract.ts';
import { readUpload } from './multipart.ts';

const Id = z.object({ id: z.string().min(1).max(100) });
const Paging = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50), offset: z.coerce.number().int().min(0).max(1_000_000).default(0) });
const Comment = z.string().trim().max(2000).optional();
const Errors = { 400: ErrorBodySchema, 404: ErrorBodySchema, 409: ErrorBodySchema };

const Issue = z.object({ line: z.number(), field: z.string().optional(), message: z.string() });
const ImportReportSchema = z.object({
  format: VocabFormatSchema,
  fileName: z.string(),
  sha256: z.string(),
  codeSystem: z.string(),
  counts: z.object({ records: z.number(), create: z.number(), link: z.number(), skipped: z.number(), aliases: z.number(), codes: z.number(), conflicts: z.number(), warnings: z.number(), errors: z.number() }),
  errors: z.array(Issue),
  warnings: z.array(Issue),
  conflicts: z.array(z.object({ line: z.number(), surface: z.string(), entityId: z.string().nullable(), message: z.string() })),
  sample: z.array(z.object({
    line: z.number(), action: z.enum(['create', 'link']), entityId: z.string(), type: z.string(), nameZh: z.string(), nameEn: z.string(), surfaces: z.array(z.string()),
    code: z.object({ system: z.string(), code: z.string() }).optional(),
  })),
  importId: z.string().optional(),
});

/** Multipart fields of an import request: the file, its format, and optional code system and default type. */
const ImportFields = z.object({
  format: VocabFormatSchema,
  system: z.string().trim().min(1).max(40).regex(/^[\w.-]+$/).optional(),
  type: EntityTypeSchema.optional(),
});

async function readImport(req: FastifyRequest): Promise<ImportRequest> {
  const { file, fields } = await readUpload(req, ['format', 'system', 'type']);
  const parsed = ImportFields.safeParse(fields);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError('VALIDATION_FAILED', `字段 ${issue.path.join('.')} 不正确：${issue.message} / invalid field`, { field: String(issue.path[0] ?? 'format') });
  }
  return { bytes: file.bytes, fileName: file.name.slice(0, 200), ...parsed.data };
}

/** Vocabulary: new-term and synonym proposals from extraction, and terminology imports with preview and undo. */
export const vocabularyRoutes = (rt: Services): FastifyPluginAsyncZod => async (app) => {
  const k = rt.knowledge;

  app.get('/api/kg/terms', {
    config: { permission: 'knowledge.read' },
    schema: {
      tags: ['vocabulary'], summary: 'New-term and synonym proposals: one per surface, with counts and example quotes',
      querystring: TermProposalFilterSchema.extend(Paging.shape),
      response: { 200: z.object({ total: z.number(), counts: z.record(z.string(), z.number()), items: z.array(TermProposalSchema) }) },
    },
  }, async (req) => {
    const { limit, offset, ...filter } = req.query;
    return k.termProposals(filter, { limit, offset });
  });

  app.post('/api/kg/terms/:id/approve', {
    config: { permission: 'knowledge.review' },
    schema: {
      tags: ['vocabulary'], summary: 'Approve a proposal: create an entity, or add the surface as an alias of an entity',
      params: Id, body: z.object({ decision: TermDecisionSchema, comment: Comment }).strict(), response: { 200: TermProposalSchema, ...Errors },
    },
  }, async (req) => k.approveTerm(req.params.id, req.body.decision, { actor: actorOf(req), comment: req.body.comment }));

  app.post('/api/kg/terms/:id/reject', {
    config: { permission: 'knowledge.review' },
    schema: { tags: ['vocabulary'], summary: 'Reject a proposal', params: Id, body: z.object({ comment: Comment }).strict(), response: { 200: TermProposalSchema, ...Errors } },
  }, async (req) => k.rejectTerm(req.params.id, { actor: actorOf(req), comment: req.body.comment }));

  app.post('/api/kg/vocabulary/imports/preview', {
    config: { permission: 'knowledge.review' },
    schema: {
      tags: ['vocabulary'], summary: 'Preview a terminology import (multipart: file, format csv|skos|rf2|icd10, optional system, type): counts, conflicts, row errors; writes nothing',
      consumes: ['multipart/form-data'], response: { 200: ImportReportSchema, 400: ErrorBodySchema, 413: ErrorBodySchema, 415: ErrorBodySchema, 422: ErrorBodySchema },
    },
  }, async (req) => k.previewVocabulary(await readImport(req)));

  app.post('/api/kg/vocabulary/imports', {
    config: { permission: 'knowledge.review' },
    schema: {
      tags: ['vocabulary'], summary: 'Import a terminology as one undoable batch; a file with any row error is refused and nothing is written',
      consumes: ['multipart/form-data'], response: { 201: ImportReportSchema, ...Errors, 413: ErrorBodySchema, 415: ErrorBodySchema, 422: ErrorBodySchema },
    },
  }, async (req, reply) => reply.code(201).send(await k.importVocabulary(await readImport(req), actorOf(req))));

  app.get('/api/kg/vocabulary/imports', {
    config: { permission: 'knowledge.read' },
    schema: { tags: ['vocabulary'], summary: 'Terminology imports, newest first', response: { 200: z.object({ items: z.array(VocabImportSchema) }) } },
  }, async () => ({ items: await k.vocabularyImports() }));

  app.post('/api/kg/vocabulary/imports/:id/undo', {
    config: { permission: 'knowledge.review' },
    schema: { tags: ['vocabulary'], summary: 'Undo an import: remove its entities, aliases and codes (refused while relations use its entities)', params: Id, response: { 200: VocabImportSchema, ...Errors } },
  }, async (req) => k.undoVocabularyImport(req.params.id, actorOf(req)));
};
