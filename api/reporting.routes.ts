import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DraftRequestSchema, DraftRevisionSchema, DraftSchema, DraftSummarySchema, EXPORT_FORMATS, FINDING_TYPES, MAX_REPORT_CHARS, PushRequestSchema, PushSchema, PushTargetSchema, QcResultSchema, SecondOpinionSchema, StructuredReportSchema, TemplateSummarySchema } from '../reporting/index.ts';
import type { Services } from '../runtime/index.ts';
import { ErrorBodySchema } from './contract.ts';
import { principalOf } from './permissions.ts';

/** Report drafts (with provenance), their RIS exports, and report QC (reporting/). */
export const reportingRoutes = (rt: Services): FastifyPluginAsyncZod => async (app) => {
  const svc = rt.reporting;

  app.post('/api/reports/drafts', {
    config: { permission: 'report.draft' },
    schema: {
      tags: ['reports'],
      summary: 'Draft findings / impression / follow-up from a stored measurement, an imaging-AI finding or typed values; the template engine writes it, a configured model may rewrite it and the numeric/side/segment guard rejects any value not in the inputs (the reason is returned); stored with its provenance',
      consumes: ['application/json'],
      body: DraftRequestSchema,
      response: { 201: DraftSchema, 400: ErrorBodySchema, 404: ErrorBodySchema, 409: ErrorBodySchema },
    },
  }, async (req, reply) => reply.code(201).send(await svc.draft(req.body, principalOf(req).username)));

  app.get('/api/reports/templates', {
    config: { permission: 'report.draft' },
    schema: {
      tags: ['reports'],
      summary: "The report templates a draft can be written with (versioned data files), optionally of one finding type; each finding type's default first",
      querystring: z.object({ findingType: z.enum(FINDING_TYPES).optional() }),
      response: { 200: z.object({ items: z.array(TemplateSummarySchema) }) },
    },
  }, async (req) => ({ items: svc.templateList(req.query.findingType) }));

  app.post('/api/reports/drafts/:id/revisions', {
    config: { permission: 'report.draft' },
    schema: {
      tags: ['reports'],
      summary: "A radiologist's edit of a draft, stored as a new draft naming the one it revises (drafts are never changed); the guard's verdict on values not in the inputs is returned, not enforced",
      consumes: ['application/json'],
      params: z.object({ id: z.string().max(100) }),
      body: DraftRevisionSchema,
      response: { 201: DraftSchema, 400: ErrorBodySchema, 404: ErrorBodySchema },
    },
  }, async (req, reply) => reply.code(201).send(await svc.revise(req.params.id, req.body, principalOf(req).username)));

  app.get('/api/reports/drafts', {
    config: { permission: 'report.draft' },
    schema: {
      tags: ['reports'],
      summary: 'Report drafts, newest first (optionally of one measurement)',
      querystring: z.object({ measurementId: z.string().max(100).optional(), limit: z.coerce.number().int().min(1).max(200).default(30) }),
      response: { 200: z.object({ items: z.array(DraftSummarySchema) }) },
    },
  }, async (req) => ({ items: await svc.list(req.query) }));

  app.get('/api/reports/drafts/:id', {
    config: { permission: 'report.draft' },
    schema: { tags: ['reports'], summary: 'One draft with its inputs, value sources, template version, engine and guard result (the provenance id reopens it)', params: z.object({ id: z.string().max(100) }), response: { 200: DraftSchema, 404: ErrorBodySchema } },
  }, async (req) => svc.get(req.params.id));

  app.get('/api/reports/drafts/:id/export', {
    config: { permission: 'report.draft' },
    schema: {
      tags: ['reports'],
      summary: 'The draft for RIS: plain text with its provenance URL, FHIR R4 Bundle (DiagnosticReport + Observations) or HL7 v2.5.1 ORU^R01',
      params: z.object({ id: z.string().max(100) }),
      querystring: z.object({ format: z.enum(EXPORT_FORMATS).default('text') }),
      produces: ['text/plain', 'application/fhir+json', 'application/hl7-v2'],
    },
  }, async (req, reply) => {
    const origin = `${req.protocol}://${req.host}`;
    const out = await svc.export(req.params.id, req.query.format, origin);
    return reply.type(out.contentType).send(out.body);
  });

  app.post('/api/reports/qc', {
    config: { permission: 'report.draft' },
    schema: {
      tags: ['reports'],
      summary: 'Check a pasted report (rules, no model): left/right and size consistency between findings and impression, anatomy, non-standard terms, typos, required items of the template; every flag with its span',
      consumes: ['application/json'],
      body: z.object({ text: z.string().max(MAX_REPORT_CHARS, `报告超过 ${MAX_REPORT_CHARS} 字 / at most ${MAX_REPORT_CHARS} characters`), templateId: z.string().regex(/^[a-z_]+$/).optional() }).strict(),
      response: { 200: QcResultSchema, 400: ErrorBodySchema },
    },
  }, async (req) => svc.check(req.body.text, req.body.templateId));

  app.post('/api/reports/qc/second-opinion', {
    config: { permission: 'report.draft' },
    schema: {
      tags: ['reports'],
      summary: "The configured model's second opinion on a pasted report, labelled as such and never merged into the rules' verdict: each issue quotes the report verbatim (its span), issues that cannot be found in the text or that bring in numbers the report lacks are dropped with the reason; the report is de-identified before the model sees it. Without a model: status not_configured",
      consumes: ['application/json'],
      body: z.object({ text: z.string().max(MAX_REPORT_CHARS, `报告超过 ${MAX_REPORT_CHARS} 字 / at most ${MAX_REPORT_CHARS} characters`), templateId: z.string().regex(/^[a-z_]+$/).optional() }).strict(),
      response: { 200: SecondOpinionSchema, 400: ErrorBodySchema },
    },
  }, async (req) => svc.secondOpinion(req.body.text, req.body.templateId));

  app.post('/api/reports/structure', {
    config: { permission: 'report.draft' },
    schema: {
      tags: ['reports'],
      summary: 'Post-structure a free-text report (rules, no model): findings with graph entity (or unresolved words), location, segment, side, sizes as written, count and certainty (negation with list scope, hedges); every value with its span. Stores nothing',
      consumes: ['application/json'],
      body: z.object({ text: z.string().max(MAX_REPORT_CHARS, `报告超过 ${MAX_REPORT_CHARS} 字 / at most ${MAX_REPORT_CHARS} characters`) }).strict(),
      response: { 200: StructuredReportSchema, 400: ErrorBodySchema },
    },
  }, async (req) => svc.structure(req.body.text));

  app.get('/api/reports/push-targets', {
    config: { permission: 'report.draft' },
    schema: { tags: ['reports'], summary: 'Where a draft can be pushed: enabled RIS connectors in REST mode (a webhook receiving HL7 v2, FHIR R4 or JSON)', response: { 200: z.object({ items: z.array(PushTargetSchema) }) } },
  }, async () => ({ items: await svc.pushes().targets() }));

  app.post('/api/reports/drafts/:id/push', {
    config: { permission: 'report.draft' },
    schema: {
      tags: ['reports'],
      summary: 'Insert the draft into RIS through a push target: queued in the outbox and delivered by a job (retried with back-off while the target is down); the body carries the provenance id and URL, the push id is the Idempotency-Key',
      consumes: ['application/json'],
      params: z.object({ id: z.string().max(100) }),
      body: PushRequestSchema,
      response: { 202: PushSchema, 400: ErrorBodySchema, 404: ErrorBodySchema, 409: ErrorBodySchema },
    },
  }, async (req, reply) => reply.code(202).send(await svc.pushes().push(req.params.id, req.body, `${req.protocol}://${req.host}`, principalOf(req).username)));

  app.get('/api/reports/drafts/:id/pushes', {
    config: { permission: 'report.draft' },
    schema: { tags: ['reports'], summary: "A draft's pushes, newest first: queued / retrying (with the last error) / sent / failed", params: z.object({ id: z.string().max(100) }), response: { 200: z.object({ items: z.array(PushSchema) }) } },
  }, async (req) => ({ items: await svc.pushes().list(req.params.id) }));

  app.post('/api/reports/pushes/:id/retry', {
    config: { permission: 'report.draft' },
    schema: { tags: ['reports'], summary: 'Try a failed push again (409 unless it failed)', params: z.object({ id: z.string().max(100) }), response: { 202: PushSchema, 404: ErrorBodySchema, 409: ErrorBodySchema } },
  }, async (req, reply) => reply.code(202).send(await svc.pushes().retry(req.params.id, principalOf(req).username)));
};
