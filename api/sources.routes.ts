import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../core/index.ts';
import { SourceKindSchema } from '../ingest/index.ts';
import type { Runtime } from '../runtime/index.ts';
import { readFilePart } from './multipart.ts';
import { ErrorBodySchema, PageSchema, SourceListSchema, SourceSchema, UploadResultSchema } from './contract.ts';

const META_FIELDS = ['kind', 'title', 'publisher', 'version', 'year', 'language'] as const;

export const sourcesRoutes = (rt: Runtime): FastifyPluginAsyncZod => async (app) => {
  app.post('/api/sources', {
    config: { permission: 'sources.manage' },
    schema: {
      tags: ['sources'],
      summary: 'Upload a document (multipart: file + optional kind, title, publisher, version, year, language)',
      consumes: ['multipart/form-data'],
      response: { 202: UploadResultSchema, 409: UploadResultSchema.extend(ErrorBodySchema.shape), 400: ErrorBodySchema, 413: ErrorBodySchema, 415: ErrorBodySchema, 422: ErrorBodySchema },
    },
  }, async (req, reply) => {
    if (!req.isMultipart()) throw new AppError('UNSUPPORTED_FILE_TYPE', '请以 multipart/form-data 上传文件 / upload as multipart/form-data', { field: 'file' });
    const fields: Record<string, string> = {};
    let file: { name: string; bytes: Buffer } | null = null;
    for await (const part of req.parts()) {
      if (part.type === 'file') {
        if (file) throw new AppError('VALIDATION_FAILED', '一次只能上传一个文件 / one file per request', { field: 'file' });
        file = { name: part.filename, bytes: await readFilePart(part) };
      } else if ((META_FIELDS as readonly string[]).includes(part.fieldname) && String(part.value).trim() !== '') {
        fields[part.fieldname] = String(part.value);
      }
    }
    if (!file) throw new AppError('VALIDATION_FAILED', '缺少文件字段 file / missing file', { field: 'file' });
    const result = await rt.ingest.register(file.bytes, file.name, fields);
    if (result.status === 'duplicate') {
      return reply.code(409).send({
        ...result,
        error: { code: 'DUPLICATE_SOURCE', message: `该文件已导入：${result.source.title} / already ingested`, field: 'file' },
      });
    }
    rt.runner.wake();
    return reply.code(202).send(result);
  });

  app.get('/api/sources', {
    config: { permission: 'knowledge.read' },
    schema: {
      tags: ['sources'],
      summary: 'List sources',
      querystring: z.object({
        kind: SourceKindSchema.optional(),
        status: z.enum(['pending', 'ready', 'failed']).optional(),
        limit: z.coerce.number().int().min(1).max(500).default(100),
        offset: z.coerce.number().int().min(0).default(0),
      }),
      response: { 200: SourceListSchema },
    },
  }, async (req) => rt.sources.list(req.query));

  app.get('/api/sources/:id', {
    config: { permission: 'knowledge.read' },
    schema: { tags: ['sources'], summary: 'One source', params: z.object({ id: z.string().max(100) }), response: { 200: SourceSchema, 404: ErrorBodySchema } },
  }, async (req) => {
    const s = await rt.sources.get(req.params.id);
    if (!s) throw new AppError('NOT_FOUND', `来源不存在 / unknown source ${req.params.id}`, { field: 'id' });
    return s;
  });

  app.get('/api/sources/:id/pages/:page', {
    config: { permission: 'knowledge.read' },
    schema: {
      tags: ['sources'],
      summary: 'Text of one page of a source',
      params: z.object({ id: z.string().max(100), page: z.coerce.number().int().min(1).max(100000) }),
      response: { 200: PageSchema.extend({ pageCount: z.number().int() }), 404: ErrorBodySchema },
    },
  }, async (req) => {
    const s = await rt.sources.get(req.params.id);
    if (!s) throw new AppError('NOT_FOUND', `来源不存在 / unknown source ${req.params.id}`, { field: 'id' });
    const text = await rt.sources.page(s.id, req.params.page);
    if (text === null) throw new AppError('NOT_FOUND', `第 ${req.params.page} 页不存在 / no page ${req.params.page}`, { field: 'page' });
    const tables = await rt.tables.forPages(rt.db, s.id, req.params.page, req.params.page);
    return { page: req.params.page, text, tables, pageCount: s.pageCount ?? 0 };
  });
};
