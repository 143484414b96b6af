import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../runtime/index.ts';
import { actorOf } from './actor.ts';
import { principalOf } from './permissions.ts';
import { ChunkViewSchema, ErrorBodySchema } from './contract.ts';

export const chunksRoutes = (rt: Services): FastifyPluginAsyncZod => async (app) => {
  app.get('/api/chunks/:id', {
    config: { permission: 'knowledge.read' },
    schema: {
      tags: ['search'],
      summary: 'A passage with its source and the full text of the pages it spans',
      params: z.object({ id: z.string().max(200) }),
      response: { 200: ChunkViewSchema, 404: ErrorBodySchema },
    },
  }, async (req) => rt.sources.passage(req.params.id, principalOf(req)));

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
    await rt.sources.setPassageDisabled(req.params.id, { reason: req.body.reason }, actorOf(req));
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
    await rt.sources.setPassageDisabled(req.params.id, null, actorOf(req));
    return { id: req.params.id, disabled: false as const };
  });
};
