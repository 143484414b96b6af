import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../core/index.ts';
import { CHUNK_CHARS_RANGE, SOURCE_SORTS, SourceKindSchema, type VersionChoice } from '../ingest/index.ts';
import type { Services } from '../runtime/index.ts';
import { actorOf } from './actor.ts';
import { principalOf } from './permissions.ts';
import { readFilePart } from './multipart.ts';
import { DeletionPlanSchema, ErrorBodySchema, JobSchema, PageSchema, PassageSchema, SourceListSchema, SourcePatchSchema, SourceSchema, UploadResultSchema } from './contract.ts';

const META_FIELDS = ['kind', 'title', 'publisher', 'version', 'year', 'language'] as const;
const VERSION_FIELDS = ['supersedes', 'separate'] as const;
const SourceId = z.string().max(100);

export const sourcesRoutes = (rt: Services): FastifyPluginAsyncZod => async (app) => {
  app.post('/api/sources', {
    config: { permission: 'sources.manage' },
    schema: {
      tags: ['sources'],
      summary: 'Upload a document (multipart: file + optional kind, title, publisher, version, year, language, supersedes, separate)',
      description:
        'When current sources share the file name (any extension), the upload is refused with 409 SAME_NAME_EXISTS listing them ' +
        '(`error.details.matches`) and nothing is written: send it again with `supersedes=<source id>` (a new version that supersedes ' +
        'that source once indexed) or `separate=true` (a separate source). An identical file is 409 DUPLICATE_SOURCE.',
      consumes: ['multipart/form-data'],
      response: {
        202: UploadResultSchema,
        409: ErrorBodySchema.extend(UploadResultSchema.partial().shape),
        400: ErrorBodySchema,
        404: ErrorBodySchema,
        413: ErrorBodySchema,
        415: ErrorBodySchema,
        422: ErrorBodySchema,
      },
    },
  }, async (req, reply) => {
    if (!req.isMultipart()) throw new AppError('UNSUPPORTED_FILE_TYPE', '请以 multipart/form-data 上传文件 / upload as multipart/form-data', { field: 'file' });
    const fields: Record<string, string> = {};
    const choice: Record<string, string> = {};
    let file: { name: string; bytes: Buffer } | null = null;
    for await (const part of req.parts()) {
      if (part.type === 'file') {
        if (file) throw new AppError('VALIDATION_FAILED', '一次只能上传一个文件 / one file per request', { field: 'file' });
        file = { name: part.filename, bytes: await readFilePart(part) };
      } else if ((META_FIELDS as readonly string[]).includes(part.fieldname) && String(part.value).trim() !== '') {
        fields[part.fieldname] = String(part.value);
      } else if ((VERSION_FIELDS as readonly string[]).includes(part.fieldname)) {
        choice[part.fieldname] = String(part.value).trim();
      }
    }
    if (!file) throw new AppError('VALIDATION_FAILED', '缺少文件字段 file / missing file', { field: 'file' });
    const result = await rt.sources.register(file.bytes, file.name, fields, versionChoice(choice), { actor: actorOf(req) });
    if (result.status === 'duplicate') {
      return reply.code(409).send({
        ...result,
        error: { code: 'DUPLICATE_SOURCE', message: `该文件已导入：${result.source.title} / already ingested`, field: 'file' },
      });
    }
    return reply.code(202).send(result);
  });

  app.get('/api/sources', {
    config: { permission: 'knowledge.read' },
    schema: {
      tags: ['sources'],
      summary: 'List sources',
      description: 'Filtered, searched, sorted and paged in the database. `shelf=literature` is the literature view (PubMed records); `shelf=documents` guidelines, textbooks, cases and other. `byKind` counts each kind under the other filters. Only sources in collections your role can see are listed; `collection` (name or id) narrows to one collection, each item names the collections it belongs to.',
      querystring: z.object({
        kind: SourceKindSchema.optional(),
        status: z.enum(['pending', 'ready', 'failed']).optional(),
        shelf: z.enum(['literature', 'documents']).optional(),
        q: z.string().max(200).optional(),
        current: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
        sort: z.enum(SOURCE_SORTS).default('created'),
        order: z.enum(['asc', 'desc']).optional(),
        limit: z.coerce.number().int().min(1).max(500).default(100),
        offset: z.coerce.number().int().min(0).default(0),
        collection: z.string().trim().min(1).max(100).optional(),
      }),
      response: { 200: SourceListSchema, 404: ErrorBodySchema },
    },
  }, async (req) => rt.sources.list(req.query, principalOf(req)));

  app.get('/api/sources/:id/deletion', {
    config: { permission: 'sources.manage' },
    schema: {
      tags: ['sources'],
      summary: 'What deleting this source would remove (pages, passages, candidates), retire (relations backed only by it) and restore (the older version)',
      params: z.object({ id: SourceId }),
      response: { 200: DeletionPlanSchema, 404: ErrorBodySchema },
    },
  }, async (req) => rt.sources.deletionPlan(req.params.id));

  app.delete('/api/sources/:id', {
    config: { permission: 'sources.manage' },
    schema: {
      tags: ['sources'],
      summary: 'Delete a source with its file, pages, passages and candidates; relations backed only by it are retired with history (audited)',
      params: z.object({ id: SourceId }),
      querystring: z.object({ reason: z.string().trim().max(500).optional() }),
      response: { 200: DeletionPlanSchema, 404: ErrorBodySchema },
    },
  }, async (req) => rt.sources.delete(req.params.id, { actor: actorOf(req), reason: req.query.reason || undefined }));

  app.patch('/api/sources/:id', {
    config: { permission: 'sources.manage' },
    schema: {
      tags: ['sources'],
      summary: 'Edit metadata (title, kind, publisher, version, year, language, evidence level); audited with before and after',
      params: z.object({ id: SourceId }),
      consumes: ['application/json'],
      body: SourcePatchSchema,
      response: { 200: SourceSchema, 400: ErrorBodySchema, 404: ErrorBodySchema },
    },
  }, async (req) => rt.sources.edit(req.params.id, req.body, actorOf(req)));

  app.post('/api/sources/:id/reparse', {
    config: { permission: 'sources.manage' },
    schema: {
      tags: ['sources'],
      summary: 'Re-parse from the stored original file with new settings (passage size); queues the ingest job (audited)',
      params: z.object({ id: SourceId }),
      consumes: ['application/json'],
      body: z.object({ chunkChars: z.number().int().min(CHUNK_CHARS_RANGE.min).max(CHUNK_CHARS_RANGE.max).optional() }).strict(),
      response: { 202: UploadResultSchema.pick({ source: true }).extend({ job: JobSchema }), 400: ErrorBodySchema, 404: ErrorBodySchema, 409: ErrorBodySchema, 422: ErrorBodySchema },
    },
  }, async (req, reply) => {
    return reply.code(202).send(await rt.sources.reparse(req.params.id, req.body, actorOf(req)));
  });

  app.get('/api/sources/:id/passages', {
    config: { permission: 'knowledge.read' },
    schema: {
      tags: ['sources'],
      summary: "A source's passages in reading order, with their disabled state",
      params: z.object({ id: SourceId }),
      querystring: z.object({
        disabled: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
        limit: z.coerce.number().int().min(1).max(200).default(50),
        offset: z.coerce.number().int().min(0).default(0),
      }),
      response: { 200: z.object({ items: z.array(PassageSchema), total: z.number().int() }), 404: ErrorBodySchema },
    },
  }, async (req) => rt.sources.passages(req.params.id, req.query, principalOf(req)));

  app.get('/api/sources/:id/file', {
    config: { permission: 'knowledge.read' },
    schema: {
      tags: ['sources'],
      summary: 'The stored original file (PDF pages are drawn in the browser from it)',
      params: z.object({ id: SourceId }),
    },
  }, async (req, reply) => {
    const { source: s, bytes } = await rt.sources.file(req.params.id, principalOf(req));
    if (!bytes) throw new AppError('NOT_FOUND', `《${s.title}》的原始文件缺失`, { field: 'id' });
    // Served as an attachment with its declared type only; never rendered as a page of this origin.
    return reply
      .header('content-type', s.mime === 'application/pdf' ? 'application/pdf' : 'application/octet-stream')
      .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(s.fileName)}`)
      .header('cache-control', 'private, max-age=300')
      .send(Buffer.from(bytes));
  });

  app.get('/api/sources/name-matches', {
    config: { permission: 'sources.manage' },
    schema: {
      tags: ['sources'],
      summary: 'Current sources an upload of this file name would meet (shown by the upload form before confirming)',
      querystring: z.object({ fileName: z.string().min(1).max(1000), sha256: z.string().regex(/^[0-9a-f]{64}$/).optional() }),
      response: { 200: z.object({ nameKey: z.string(), matches: z.array(SourceSchema), duplicate: SourceSchema.nullable() }), 400: ErrorBodySchema },
    },
  }, async (req) => rt.sources.sameName(req.query.fileName, req.query.sha256));

  app.post('/api/sources/:id/unsupersede', {
    config: { permission: 'sources.manage' },
    schema: {
      tags: ['sources'],
      summary: 'Undo a supersede: this source becomes current again; the version that superseded it stays as a separate source',
      params: z.object({ id: SourceId }),
      response: { 200: z.object({ restored: SourceSchema, detached: SourceSchema }), 404: ErrorBodySchema, 409: ErrorBodySchema },
    },
  }, async (req) => rt.sources.unsupersede(req.params.id, actorOf(req)));

  app.get('/api/sources/:id', {
    config: { permission: 'knowledge.read' },
    schema: { tags: ['sources'], summary: 'One source', params: z.object({ id: z.string().max(100) }), response: { 200: SourceSchema, 404: ErrorBodySchema } },
  }, async (req) => rt.sources.require(req.params.id, 'id', principalOf(req)));

  app.get('/api/sources/:id/pages/:page', {
    config: { permission: 'knowledge.read' },
    schema: {
      tags: ['sources'],
      summary: 'Text of one page of a source',
      params: z.object({ id: z.string().max(100), page: z.coerce.number().int().min(1).max(100000) }),
      response: { 200: PageSchema.extend({ pageCount: z.number().int() }), 404: ErrorBodySchema },
    },
  }, async (req) => rt.sources.page(req.params.id, req.params.page, principalOf(req)));
};

/** The versioning fields of an upload form: `supersedes` (a source id) or `separate` ("true"/"1"/"on"). */
function versionChoice(choice: Record<string, string>): VersionChoice {
  const separate = choice.separate !== undefined && /^(true|1|on|yes)$/i.test(choice.separate);
  if (choice.separate !== undefined && !separate && !/^(false|0|off|no|)$/i.test(choice.separate)) {
    throw new AppError('VALIDATION_FAILED', 'separate 应为 true 或 false / separate must be true or false', { field: 'separate' });
  }
  const supersedes = choice.supersedes || undefined;
  if (supersedes && !SourceId.safeParse(supersedes).success) throw new AppError('VALIDATION_FAILED', 'supersedes 无效 / invalid supersedes', { field: 'supersedes' });
  return { supersedes, separate };
}
