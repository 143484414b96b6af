import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CollectionInputSchema, CollectionPatchSchema, CollectionSchema, SourceIdsSchema } from '../collections/index.ts';
import type { Services } from '../runtime/index.ts';
import { actorOf } from './actor.ts';
import { ErrorBodySchema } from './contract.ts';
import { principalOf } from './permissions.ts';

const IdParams = z.object({ id: z.string().trim().min(1).max(100) });
const Changed = z.object({ collection: CollectionSchema, changed: z.array(z.string()) });

/**
 * Collections (knowledge bases) with per-role visibility. Reading lists what the caller's role can see; every
 * change needs `sources.manage` and is audited; the service validates again (CLI and demo callers).
 */
export const collectionsRoutes = (rt: Services): FastifyPluginAsyncZod => async (app) => {
  app.get('/api/collections', {
    config: { permission: 'knowledge.read' },
    schema: {
      tags: ['collections'],
      summary: 'The collections (knowledge bases) your role can see, the default 全院知识库 first',
      response: { 200: z.object({ items: z.array(CollectionSchema) }) },
    },
  }, async (req) => ({ items: await rt.collections.list(principalOf(req)) }));

  app.get('/api/collections/:id', {
    config: { permission: 'knowledge.read' },
    schema: { tags: ['collections'], summary: 'One collection (by id or name)', params: IdParams, response: { 200: CollectionSchema, 404: ErrorBodySchema } },
  }, async (req) => rt.collections.require(req.params.id, principalOf(req)));

  app.post('/api/collections', {
    config: { permission: 'sources.manage' },
    schema: {
      tags: ['collections'],
      summary: 'Create a collection: name, description, roles that may see it (audited)',
      consumes: ['application/json'],
      body: CollectionInputSchema,
      response: { 201: CollectionSchema, 400: ErrorBodySchema, 409: ErrorBodySchema },
    },
  }, async (req, reply) => reply.code(201).send(await rt.collections.create(req.body, actorOf(req))));

  app.patch('/api/collections/:id', {
    config: { permission: 'sources.manage' },
    schema: {
      tags: ['collections'],
      summary: 'Rename, describe, or change which roles see a collection (audited with before and after)',
      params: IdParams,
      consumes: ['application/json'],
      body: CollectionPatchSchema,
      response: { 200: CollectionSchema, 400: ErrorBodySchema, 404: ErrorBodySchema, 409: ErrorBodySchema },
    },
  }, async (req) => rt.collections.update(req.params.id, req.body, actorOf(req)));

  app.delete('/api/collections/:id', {
    config: { permission: 'sources.manage' },
    schema: {
      tags: ['collections'],
      summary: 'Delete a collection; its sources stay (in their other collections). The default collection cannot be deleted (audited)',
      params: IdParams,
      response: { 200: CollectionSchema, 404: ErrorBodySchema, 409: ErrorBodySchema },
    },
  }, async (req) => rt.collections.delete(req.params.id, actorOf(req)));

  app.post('/api/collections/:id/sources', {
    config: { permission: 'sources.manage' },
    schema: {
      tags: ['collections'],
      summary: 'Add sources to a collection (already members are skipped; audited)',
      params: IdParams,
      consumes: ['application/json'],
      body: SourceIdsSchema,
      response: { 200: Changed, 400: ErrorBodySchema, 404: ErrorBodySchema },
    },
  }, async (req) => rt.collections.addSources(req.params.id, req.body.sourceIds, actorOf(req)));

  app.post('/api/collections/:id/sources/remove', {
    config: { permission: 'sources.manage' },
    schema: {
      tags: ['collections'],
      summary: 'Take sources out of a collection; the sources themselves stay (audited)',
      params: IdParams,
      consumes: ['application/json'],
      body: SourceIdsSchema,
      response: { 200: Changed, 400: ErrorBodySchema, 404: ErrorBodySchema },
    },
  }, async (req) => rt.collections.removeSources(req.params.id, req.body.sourceIds, actorOf(req)));
};
