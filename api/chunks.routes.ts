import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../core/index.ts';
import type { Runtime } from '../runtime/index.ts';
import { formatCitation } from '../search/index.ts';
import { actorOf } from './actor.ts';
import { ChunkViewSchema, ErrorBodySchema } from './contract.ts';

export const chunksRoutes = (rt: Runtime): FastifyPluginAsyncZod => async (app) => {
  app.get('/api/chunks/:id', {
    config: { permission: 'knowledge.read' },
    schema: {
      tags: ['search'],
      summary: 'A passage with its source and the full text of the pages it spans',
      params: z.object({ id: z.string().max(200) }),
      response: { 200: ChunkViewSchema, 404: ErrorBodySchema },
    },
  }, async (req) => {
    const { rows } = await rt.db.query<{
      id: string; source_id: string; ordinal: number; heading_path: string[]; page_start: number; page_end: number; char_start: number; text: string;
      disabled_at: Date | null; disabled_by: string | null; disabled_reason: string | null;
    }>('SELECT id, source_id, ordinal, heading_path, page_start, page_end, char_start, text, disabled_at, disabled_by, disabled_reason FROM chunks WHERE id = $1', [req.params.id]);
    const c = rows[0];
    if (!c) throw new AppError('NOT_FOUND', `段落不存在 / unknown chunk ${req.params.id}`, { field: 'id' });
    const source = await rt.sources.get(c.source_id);
    if (!source) throw new AppError('NOT_FOUND', `来源不存在 / unknown source ${c.source_id}`, { field: 'id' });
    const [pages, pageTables, chunkTables] = await Promise.all([
      rt.sources.pages(c.source_id, c.page_start, c.page_end),
      rt.tables.forPages(rt.db, c.source_id, c.page_start, c.page_end),
      rt.tables.forChunks(rt.db, [c.id]),
    ]);
    return {
      chunk: {
        id: c.id, sourceId: c.source_id, ordinal: c.ordinal, headingPath: c.heading_path, pageStart: c.page_start, pageEnd: c.page_end,
        charStart: c.char_start, text: c.text,
        citation: formatCitation({ title: source.title, version: source.version, year: source.year, pageStart: c.page_start, pageEnd: c.page_end }),
        disabled: c.disabled_at ? { at: new Date(c.disabled_at).toISOString(), by: c.disabled_by ?? '', reason: c.disabled_reason ?? '' } : null,
        table: chunkTables.get(c.id) ?? null,
      },
      source,
      pages: pages.map((p) => ({ ...p, tables: pageTables.filter((t) => t.page === p.page) })),
    };
  });

  app.post('/api/chunks/:id/disable', {
    config: { permission: 'sources.manage' },
    schema: {
      tags: ['search'],
      summary: 'Take a passage out of search and chat, with a reason (audited); it stays stored and citable',
      params: z.object({ id: z.string().max(200) }),
      consumes: ['application/json'],
      body: z.object({ reason: z.string().trim().min(2).max(500) }).strict(),
      response: { 200: z.object({ id: z.string(), disabled: z.literal(true) }), 400: ErrorBodySchema, 404: ErrorBodySchema, 409: ErrorBodySchema },
    },
  }, async (req) => {
    await rt.sourceAdmin.setPassageDisabled(req.params.id, { reason: req.body.reason }, actorOf(req));
    return { id: req.params.id, disabled: true as const };
  });

  app.post('/api/chunks/:id/enable', {
    config: { permission: 'sources.manage' },
    schema: {
      tags: ['search'],
      summary: 'Put a disabled passage back into search (audited)',
      params: z.object({ id: z.string().max(200) }),
      response: { 200: z.object({ id: z.string(), disabled: z.literal(false) }), 404: ErrorBodySchema, 409: ErrorBodySchema },
    },
  }, async (req) => {
    await rt.sourceAdmin.setPassageDisabled(req.params.id, null, actorOf(req));
    return { id: req.params.id, disabled: false as const };
  });
};
