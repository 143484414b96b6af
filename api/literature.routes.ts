import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../core/index.ts';
import { LiteratureItemSchema, RunSchema, WatchInputSchema, WatchSchema } from '../literature/index.ts';
import type { Services } from '../runtime/index.ts';
import { JobSchema } from '../store/index.ts';
import { actorOf } from './actor.ts';
import { ErrorBodySchema } from './contract.ts';
import { readFilePart } from './multipart.ts';

const Id = z.object({ id: z.string().min(1).max(100) });
const Errors = { 400: ErrorBodySchema, 404: ErrorBodySchema, 409: ErrorBodySchema };

const StatusSchema = z.object({
  eutilsUrl: z.string(),
  apiKeyConfigured: z.boolean(),
  email: z.string().nullable(),
  tool: z.string(),
  requestsPerSecond: z.number(),
  batchSize: z.number(),
  timezone: z.string(),
});

/** Literature watch: PubMed watches, their runs, manual XML import, and the literature records they produced. */
export const literatureRoutes = (rt: Services): FastifyPluginAsyncZod => async (app) => {
  const lit = rt.literature;
  const cfg = rt.config.pubmed;

  app.get('/api/literature/status', {
    config: { permission: 'knowledge.read' },
    schema: { tags: ['literature'], summary: 'How PubMed is reached (no secrets: only whether an API key is set)', response: { 200: StatusSchema } },
  }, async () => ({
    eutilsUrl: cfg.url, apiKeyConfigured: Boolean(cfg.apiKey), email: cfg.email ?? null, tool: cfg.tool,
    requestsPerSecond: cfg.apiKey ? 10 : 3, batchSize: cfg.batchSize, timezone: cfg.timezone,
  }));

  app.get('/api/literature/watches', {
    config: { permission: 'knowledge.read' },
    schema: { tags: ['literature'], summary: 'Watches with their next scheduled run and last run', response: { 200: z.object({ items: z.array(WatchSchema) }) } },
  }, async () => ({ items: await lit.listWatches() }));

  app.post('/api/literature/watches', {
    config: { permission: 'sources.manage' },
    schema: { tags: ['literature'], summary: 'Define a watch (PubMed query, MeSH, journals, languages, look-back, cron)', body: WatchInputSchema, response: { 201: WatchSchema, ...Errors } },
  }, async (req, reply) => reply.code(201).send(await lit.createWatch(req.body, actorOf(req))));

  app.put('/api/literature/watches/:id', {
    config: { permission: 'sources.manage' },
    schema: { tags: ['literature'], summary: 'Change a watch (a changed schedule replaces the queued run)', params: Id, body: WatchInputSchema, response: { 200: WatchSchema, ...Errors } },
  }, async (req) => lit.updateWatch(req.params.id, req.body, actorOf(req)));

  app.delete('/api/literature/watches/:id', {
    config: { permission: 'sources.manage' },
    schema: { tags: ['literature'], summary: 'Delete a watch and its run history (imported records stay)', params: Id, response: { 204: z.null(), 404: ErrorBodySchema } },
  }, async (req, reply) => {
    await lit.deleteWatch(req.params.id, actorOf(req));
    return reply.code(204).send(null);
  });

  app.post('/api/literature/watches/:id/run', {
    config: { permission: 'sources.manage' },
    schema: { tags: ['literature'], summary: 'Run now (one queued manual run per watch)', params: Id, response: { 202: JobSchema, 404: ErrorBodySchema } },
  }, async (req, reply) => {
    return reply.code(202).send(await lit.runNow(req.params.id, actorOf(req)));
  });

  app.get('/api/literature/runs', {
    config: { permission: 'knowledge.read' },
    schema: {
      tags: ['literature'], summary: 'Run history (fetched, new, updated, retracted, triples proposed), newest first',
      querystring: z.object({ watchId: z.string().max(100).optional(), limit: z.coerce.number().int().min(1).max(200).default(50) }),
      response: { 200: z.object({ items: z.array(RunSchema) }) },
    },
  }, async (req) => ({ items: await lit.runs(req.query) }));

  app.get('/api/literature/runs/:id', {
    config: { permission: 'knowledge.read' },
    schema: { tags: ['literature'], summary: 'One run', params: Id, response: { 200: RunSchema, 404: ErrorBodySchema } },
  }, async (req) => lit.getRun(req.params.id));

  app.get('/api/literature/records', {
    config: { permission: 'knowledge.read' },
    schema: {
      tags: ['literature'], summary: 'Literature records (PubMed metadata), filter by run, retraction or text',
      querystring: z.object({
        runId: z.string().max(100).optional(),
        retracted: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
        q: z.string().trim().max(200).optional(),
        limit: z.coerce.number().int().min(1).max(200).default(50),
        offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
      }),
      response: { 200: z.object({ total: z.number(), items: z.array(LiteratureItemSchema) }) },
    },
  }, async (req) => lit.listRecords(req.query));

  app.post('/api/literature/import', {
    config: { permission: 'sources.manage' },
    schema: {
      tags: ['literature'], summary: 'Import a PubMed XML export (multipart field "file")', consumes: ['multipart/form-data'],
      response: { 201: RunSchema, 400: ErrorBodySchema, 413: ErrorBodySchema, 415: ErrorBodySchema, 422: ErrorBodySchema },
    },
  }, async (req, reply) => {
    if (!req.isMultipart()) throw new AppError('UNSUPPORTED_FILE_TYPE', '请以 multipart/form-data 上传 PubMed XML / upload as multipart/form-data', { field: 'file' });
    const part = await req.file();
    if (!part) throw new AppError('VALIDATION_FAILED', '缺少文件字段 file / missing file', { field: 'file' });
    const bytes = await readFilePart(part);
    let xml: string;
    try {
      xml = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new AppError('TEXT_DECODE_FAILED', `${part.filename} 不是 UTF-8 编码（PubMed XML 均为 UTF-8）/ not UTF-8`, { field: 'file' });
    }
    return reply.code(201).send(await lit.importXml(xml, part.filename, { actor: actorOf(req) }));
  });
};
