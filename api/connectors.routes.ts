import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AllowEntryInputSchema, AllowEntrySchema, CheckSchema, ConnectorSchema, HealthItemSchema } from '../connectors/index.ts';
import type { Services } from '../runtime/index.ts';
import { actorOf } from './actor.ts';
import { ErrorBodySchema } from './contract.ts';

const Id = z.object({ id: z.string().min(1).max(100) });
const Errors = { 400: ErrorBodySchema, 404: ErrorBodySchema, 409: ErrorBodySchema, 422: ErrorBodySchema, 500: ErrorBodySchema };
/**
 * The body is validated by the connectors capability (zod discriminated union on `kind`), not by the
 * route schema, so a 400 names the exact nested field (`config.qidoUrl`) rather than just `config`.
 */
const Body = z.object({ kind: z.string(), name: z.string(), config: z.record(z.string(), z.unknown()) }).passthrough();

/**
 * Integration connectors (permission connectors.manage): CRUD with write-only secrets bound to their
 * target, on-demand tests, latest health and check history; the target allow-list (read with
 * connectors.manage, changed with connectors.allowlist — admin only).
 */
export const connectorsRoutes = (rt: Services): FastifyPluginAsyncZod => async (app) => {
  const con = rt.connectors;
  const permission = 'connectors.manage' as const;

  app.get('/api/connectors', {
    config: { permission },
    schema: { tags: ['connectors'], summary: 'Connectors with their latest check (secrets never returned: hasSecret)', response: { 200: z.object({ items: z.array(ConnectorSchema) }) } },
  }, async () => ({ items: await con.list() }));

  app.get('/api/connectors/health', {
    config: { permission },
    schema: { tags: ['connectors'], summary: 'Latest status per connector (up / down / unknown)', response: { 200: z.object({ items: z.array(HealthItemSchema) }) } },
  }, async () => ({ items: await con.health() }));

  app.post('/api/connectors', {
    config: { permission },
    schema: {
      tags: ['connectors'],
      summary:
        'Add a connector: {name, kind: ris|pacs|imaging_ai|research_db|llm, config, enabled?}; secrets are SM4-encrypted and bound to the target ' +
        '; a target outside the allow-list is 422 TARGET_NOT_ALLOWED',
      body: Body, response: { 201: ConnectorSchema, ...Errors },
    },
  }, async (req, reply) => reply.code(201).send(await con.create(req.body, actorOf(req))));

  app.put('/api/connectors/:id', {
    config: { permission },
    schema: {
      tags: ['connectors'],
      summary: 'Change a connector (an omitted secret keeps the stored one while the target is unchanged — else 409 SECRET_REENTRY_REQUIRED; null clears it)',
      params: Id, body: Body, response: { 200: ConnectorSchema, ...Errors },
    },
  }, async (req) => con.update(req.params.id, req.body, actorOf(req)));

  app.delete('/api/connectors/:id', {
    config: { permission },
    schema: { tags: ['connectors'], summary: 'Delete a connector and its check history', params: Id, response: { 204: z.null(), 404: ErrorBodySchema } },
  }, async (req, reply) => {
    await con.delete(req.params.id, actorOf(req));
    return reply.code(204).send(null);
  });

  app.post('/api/connectors/:id/test', {
    config: { permission },
    schema: { tags: ['connectors'], summary: 'Probe the connector now and record the result', params: Id, response: { 200: CheckSchema, 404: ErrorBodySchema } },
  }, async (req) => con.check(req.params.id, 'manual', actorOf(req)));

  app.get('/api/connectors/allowlist', {
    config: { permission },
    schema: {
      tags: ['connectors'], summary: 'Networks, addresses and host names connectors may reach (link-local and metadata addresses only when listed explicitly)',
      response: { 200: z.object({ items: z.array(AllowEntrySchema) }) },
    },
  }, async () => ({ items: await con.allowlist.list() }));

  app.post('/api/connectors/allowlist', {
    config: { permission: 'connectors.allowlist' },
    schema: {
      tags: ['connectors'], summary: 'Allow a CIDR network, an address, a host name or *.domain (admin)',
      body: AllowEntryInputSchema, response: { 201: AllowEntrySchema, 400: ErrorBodySchema, 409: ErrorBodySchema },
    },
  }, async (req, reply) => reply.code(201).send(await con.allowlist.allow(req.body, actorOf(req))));

  app.delete('/api/connectors/allowlist/:entryId', {
    config: { permission: 'connectors.allowlist' },
    schema: {
      tags: ['connectors'], summary: 'Remove an allow-list entry (admin)',
      params: z.object({ entryId: z.coerce.number().int().min(1).max(2_147_483_647) }), response: { 204: z.null(), 404: ErrorBodySchema },
    },
  }, async (req, reply) => {
    await con.allowlist.disallow(req.params.entryId, actorOf(req));
    return reply.code(204).send(null);
  });

  app.get('/api/connectors/:id/history', {
    config: { permission },
    schema: {
      tags: ['connectors'], summary: 'Check history, newest first', params: Id,
      querystring: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(50) }),
      response: { 200: z.object({ items: z.array(CheckSchema) }), 404: ErrorBodySchema },
    },
  }, async (req) => ({ items: await con.history(req.params.id, req.query.limit) }));
};
