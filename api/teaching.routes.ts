import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../core/index.ts';
import {
  EXPORT_FORMATS, EXPORT_TYPES, IMPORT_FORMATS,
  AnswersSchema, AttemptViewSchema, ExamCreateSchema, FigureRefSchema, ExamSchema, ExamSummarySchema, GenerateRequestSchema, QuestionEditSchema, QuestionFilterSchema, QuestionSchema, RejectionSchema,
} from '../teaching/index.ts';
import type { Services } from '../runtime/index.ts';
import { actorOf } from './actor.ts';
import { ErrorBodySchema } from './contract.ts';
import { readUpload } from './multipart.ts';
import { principalOf } from './permissions.ts';

const Id = z.object({ id: z.string().min(1).max(100) });
const Paging = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50), offset: z.coerce.number().int().min(0).max(1_000_000).default(0) });
const Errors = { 400: ErrorBodySchema, 404: ErrorBodySchema, 409: ErrorBodySchema, 422: ErrorBodySchema };
const EntityCountSchema = z.object({ id: z.string(), name: z.string(), total: z.number(), approved: z.number() });
const ItemStatsSchema = z.object({
  questionId: z.string(), stem: z.string(), level: z.string(), n: z.number(), p: z.number().nullable(), discrimination: z.number().nullable(), flagged: z.boolean(),
  options: z.array(z.object({ label: z.string(), chosen: z.number(), share: z.number(), upper: z.number(), lower: z.number(), key: z.boolean() })),
});
export const ExamResultsSchema = z.object({
  exam: ExamSchema,
  residents: z.array(z.object({ username: z.string(), attemptId: z.string(), seq: z.number(), score: z.number(), maxScore: z.number(), percent: z.number(), submitted: z.boolean() })),
  knowledgePoints: z.array(z.object({ tag: z.string(), name: z.string(), items: z.number(), meanPercent: z.number(), byResident: z.record(z.string(), z.number()) })),
  items: z.array(ItemStatsSchema),
});
export const GenerateResultSchema = z.object({
  engine: z.enum(['templates', 'llm']),
  engineVersion: z.string(),
  note: z.string().nullable(),
  subject: z.object({ id: z.string(), type: z.string(), nameZh: z.string(), nameEn: z.string() }),
  items: z.array(QuestionSchema),
  possible: z.number(),
  rejected: z.array(RejectionSchema),
  notes: z.array(z.string()),
});

const examinee = (req: FastifyRequest) => {
  const p = principalOf(req);
  return { userId: p.userId, username: p.username };
};

/** Teaching: question bank and exams (teachers: exam.manage), taking exams (residents: exam.take). */
export const teachingRoutes = (rt: Services): FastifyPluginAsyncZod => async (app) => {
  const { bank, exams } = rt.teaching;

  app.post('/api/teaching/questions/generate', {
    config: { permission: 'exam.manage' },
    schema: {
      tags: ['teaching'], summary: 'Draft checked questions about an entity from the approved graph (engine templates, or llm when a model is configured) and store them as drafts',
      body: GenerateRequestSchema, response: { 201: GenerateResultSchema, ...Errors, 502: ErrorBodySchema, 503: ErrorBodySchema },
    },
  }, async (req, reply) => reply.code(201).send(await bank.generate(req.body, actorOf(req))));

  app.get('/api/teaching/questions', {
    config: { permission: 'exam.manage' },
    schema: { tags: ['teaching'], summary: 'Search the bank', querystring: QuestionFilterSchema.extend(Paging.shape), response: { 200: z.object({ total: z.number(), items: z.array(QuestionSchema) }) } },
  }, async (req) => {
    const { limit, offset, ...f } = req.query;
    return bank.list(f, { limit, offset });
  });

  app.get('/api/teaching/questions/counts', {
    config: { permission: 'exam.manage' },
    schema: {
      tags: ['teaching'], summary: 'Items by status, per disease and per knowledge point; flagged items',
      response: { 200: z.object({ byStatus: z.record(z.string(), z.number()), flagged: z.number(), byDisease: z.array(EntityCountSchema), byTag: z.array(EntityCountSchema) }) },
    },
  }, async () => bank.counts());

  app.get('/api/teaching/questions/export', {
    config: { permission: 'exam.manage' },
    schema: {
      tags: ['teaching'], summary: 'Export bank items (default: approved) as xlsx (also the import template), Moodle XML, a QTI 2.1 package or a Word (.docx) paper with answer key; audited',
      querystring: QuestionFilterSchema.extend({ format: z.enum(EXPORT_FORMATS).default('xlsx'), status: QuestionFilterSchema.shape.status.default('approved') }),
    },
  }, async (req, reply) => {
    const { format, ...filter } = req.query;
    const { body } = await rt.teaching.transfer.exportBank(format, filter, actorOf(req));
    const t = EXPORT_TYPES[format];
    return reply.header('content-type', t.mime).header('content-disposition', `attachment; filename="yingzhi-questions.${t.ext}"`).send(body);
  });

  app.post('/api/teaching/questions/import', {
    config: { permission: 'exam.manage' },
    bodyLimit: 10 * 1024 * 1024,
    schema: {
      tags: ['teaching'], summary: 'Import items as drafts (multipart: file, format xlsx|moodle, dryRun): every row validated first; any row error and nothing is written',
      consumes: ['multipart/form-data'],
      response: { 201: z.object({ format: z.enum(IMPORT_FORMATS), rows: z.number(), errors: z.array(z.object({ row: z.number(), field: z.string(), message: z.string() })), questionIds: z.array(z.string()) }), ...Errors, 413: ErrorBodySchema, 415: ErrorBodySchema },
    },
  }, async (req, reply) => {
    const { file, fields } = await readUpload(req, ['format', 'dryRun']);
    const format = z.enum(IMPORT_FORMATS).safeParse(fields.format ?? (file.name.toLowerCase().endsWith('.xlsx') ? 'xlsx' : 'moodle'));
    if (!format.success) throw new AppError('VALIDATION_FAILED', `format 须为 ${IMPORT_FORMATS.join('|')} / unknown format`, { field: 'format' });
    return reply.code(201).send(await rt.teaching.transfer.importFile(format.data, file.bytes, actorOf(req), { dryRun: fields.dryRun === 'true', fileName: file.name.slice(0, 200) }));
  });

  app.get('/api/teaching/questions/:id', {
    config: { permission: 'exam.manage' },
    schema: { tags: ['teaching'], summary: 'One item with its versions', params: Id, response: { 200: z.object({ question: QuestionSchema, versions: z.array(z.object({ version: z.number(), action: z.string(), actor: z.string(), at: z.string(), snapshot: z.unknown() })) }), 404: ErrorBodySchema } },
  }, async (req) => ({ question: await bank.require(req.params.id), versions: await bank.versions(req.params.id) }));

  app.put('/api/teaching/questions/:id', {
    config: { permission: 'exam.manage' },
    schema: { tags: ['teaching'], summary: 'Edit an item (a new version; the checks run again)', params: Id, body: QuestionEditSchema, response: { 200: QuestionSchema, ...Errors } },
  }, async (req) => bank.edit(req.params.id, req.body, actorOf(req)));

  const FigureMetaSchema = z.object({ id: z.string(), mime: z.string(), width: z.number(), height: z.number(), source: z.enum(['png', 'jpeg', 'dicom']), fileName: z.string().nullable(), synthetic: z.boolean(), createdAt: z.string() });
  app.post('/api/teaching/figures', {
    config: { permission: 'exam.manage' },
    bodyLimit: 40 * 1024 * 1024,
    schema: {
      tags: ['teaching'], summary: 'Upload a figure for image-reading items (multipart: file PNG/JPEG/DICOM, windowCenter, windowWidth, synthetic): type by magic bytes, size limits, metadata stripped (JPEG APP1–APP15/COM, PNG ancillary chunks), DICOM rendered to PNG with the window; audited',
      consumes: ['multipart/form-data'],
      response: { 201: FigureMetaSchema.extend({ created: z.boolean(), metadataRemoved: z.array(z.string()) }), ...Errors, 413: ErrorBodySchema, 415: ErrorBodySchema },
    },
  }, async (req, reply) => {
    const { file, fields } = await readUpload(req, ['windowCenter', 'windowWidth', 'synthetic']);
    const wl = z.object({ center: z.coerce.number().finite().min(-5000).max(5000), width: z.coerce.number().finite().positive().max(10000) }).safeParse({ center: fields.windowCenter, width: fields.windowWidth });
    if ((fields.windowCenter || fields.windowWidth) && !wl.success) throw new AppError('VALIDATION_FAILED', '窗位/窗宽无效 / invalid window center or width', { field: 'windowWidth' });
    const r = await bank.uploadFigure(file.bytes, file.name.slice(0, 200), { window: wl.success ? wl.data : undefined, synthetic: fields.synthetic === 'true' }, actorOf(req));
    return reply.code(201).send(r);
  });

  app.get('/api/teaching/figures/:id', {
    config: { permission: 'exam.take' },
    schema: { tags: ['teaching'], summary: 'A figure\'s image bytes (PNG or JPEG)', params: Id },
  }, async (req, reply) => {
    const f = await bank.figureBytes(req.params.id);
    return reply.header('content-type', f.mime).header('x-content-type-options', 'nosniff').header('cache-control', 'private, max-age=3600').send(f.bytes);
  });

  app.get('/api/teaching/figures/:id/meta', {
    config: { permission: 'exam.take' },
    schema: { tags: ['teaching'], summary: "A figure's description: size, where it came from (PNG/JPEG/DICOM) and whether it is a synthetic (drawn, not a patient's) image", params: Id, response: { 200: FigureMetaSchema, 404: ErrorBodySchema } },
  }, async (req) => {
    const meta = await bank.figureMeta(req.params.id);
    if (!meta) throw new AppError('NOT_FOUND', `图像不存在 / no figure ${req.params.id}`, { field: 'id' });
    return meta;
  });

  app.put('/api/teaching/questions/:id/figure', {
    config: { permission: 'exam.manage' },
    schema: { tags: ['teaching'], summary: 'Show a figure (with an optional circle region mark) with an item, or remove it (figure: null): a new version', params: Id, body: z.object({ figure: FigureRefSchema.nullable() }).strict(), response: { 200: QuestionSchema, ...Errors } },
  }, async (req) => bank.setFigure(req.params.id, req.body.figure, actorOf(req)));

  app.post('/api/teaching/questions/:id/approve', {
    config: { permission: 'exam.manage' },
    schema: { tags: ['teaching'], summary: 'Approve a draft', params: Id, response: { 200: QuestionSchema, ...Errors } },
  }, async (req) => bank.approve(req.params.id, actorOf(req)));

  app.post('/api/teaching/questions/:id/retire', {
    config: { permission: 'exam.manage' },
    schema: { tags: ['teaching'], summary: 'Retire an item', params: Id, body: z.object({ reason: z.string().trim().max(500).optional() }).strict(), response: { 200: QuestionSchema, ...Errors } },
  }, async (req) => bank.retire(req.params.id, req.body.reason, actorOf(req)));

  app.post('/api/teaching/exams', {
    config: { permission: 'exam.manage' },
    schema: { tags: ['teaching'], summary: 'Assemble an exam from a blueprint (knowledge point × difficulty counts); 422 names each short cell', body: ExamCreateSchema, response: { 201: ExamSchema, ...Errors } },
  }, async (req, reply) => reply.code(201).send(await exams.create(req.body, actorOf(req))));

  app.get('/api/teaching/exams', {
    config: { permission: 'exam.manage' },
    schema: { tags: ['teaching'], summary: 'All exams (with keys)', response: { 200: z.object({ items: z.array(ExamSchema) }) } },
  }, async () => ({ items: await exams.list() }));

  app.get('/api/teaching/exams/:id/paper', {
    config: { permission: 'exam.manage' },
    schema: { tags: ['teaching'], summary: 'The exam as a Word paper (.docx): items in exam order at their pinned versions, figures embedded, answer key after a page break; audited data.export', params: Id },
  }, async (req, reply) => {
    const exam = await exams.require(req.params.id);
    const body = await rt.teaching.transfer.exportExamPaper(exam, actorOf(req));
    return reply.header('content-type', EXPORT_TYPES.docx.mime).header('content-disposition', `attachment; filename="yingzhi-exam-${exam.id}.docx"`).send(body);
  });

  app.post('/api/teaching/exams/:id/publish', {
    config: { permission: 'exam.manage' },
    schema: { tags: ['teaching'], summary: 'Publish an exam to residents', params: Id, response: { 200: ExamSchema, ...Errors } },
  }, async (req) => exams.publish(req.params.id, actorOf(req)));

  app.get('/api/teaching/exams/:id/results', {
    config: { permission: 'exam.manage' },
    schema: { tags: ['teaching'], summary: 'Scores per resident and knowledge point, item analysis (p, point-biserial, distractors)', params: Id, response: { 200: ExamResultsSchema, 404: ErrorBodySchema } },
  }, async (req) => exams.results(req.params.id));

  app.post('/api/teaching/exams/:id/recalibrate', {
    config: { permission: 'exam.manage' },
    schema: {
      tags: ['teaching'], summary: "Replace items' estimated difficulty with the observed one (1 − p) from this exam's responses",
      params: Id, body: z.object({ minResponses: z.number().int().min(1).max(10_000).default(10) }).strict(),
      response: { 200: z.object({ updated: z.array(z.object({ questionId: z.string(), before: z.number(), after: z.number() })) }), ...Errors },
    },
  }, async (req) => {
    const results = await exams.results(req.params.id);
    return bank.recalibrate(req.params.id, results.items, req.body.minResponses, actorOf(req));
  });

  app.get('/api/teaching/my/exams', {
    config: { permission: 'exam.take' },
    schema: { tags: ['teaching'], summary: 'Published exams for the signed-in resident', response: { 200: z.object({ items: z.array(ExamSummarySchema) }) } },
  }, async (req) => ({ items: await exams.forResident(examinee(req)) }));

  app.post('/api/teaching/exams/:id/attempts', {
    config: { permission: 'exam.take' },
    schema: { tags: ['teaching'], summary: 'Start an attempt, or resume the open one', params: Id, response: { 200: AttemptViewSchema, ...Errors } },
  }, async (req) => exams.start(req.params.id, examinee(req)));

  app.get('/api/teaching/attempts/:id', {
    config: { permission: 'exam.take' },
    schema: { tags: ['teaching'], summary: 'Your attempt: items without keys, saved answers, time left', params: Id, response: { 200: AttemptViewSchema, 404: ErrorBodySchema } },
  }, async (req) => exams.view(req.params.id, examinee(req)));

  app.put('/api/teaching/attempts/:id/answers', {
    config: { permission: 'exam.take' },
    schema: { tags: ['teaching'], summary: 'Save answers (merged) while the attempt is open', params: Id, body: z.object({ answers: AnswersSchema }).strict(), response: { 200: AttemptViewSchema, ...Errors } },
  }, async (req) => exams.saveAnswers(req.params.id, examinee(req), req.body.answers));

  app.post('/api/teaching/attempts/:id/submit', {
    config: { permission: 'exam.take' },
    schema: { tags: ['teaching'], summary: 'Submit and score (once; refused after the time limit)', params: Id, body: z.object({ answers: AnswersSchema.optional() }).strict(), response: { 200: AttemptViewSchema, ...Errors } },
  }, async (req) => exams.submit(req.params.id, examinee(req), req.body.answers));
};
