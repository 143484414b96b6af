import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { LlmStatusSchema, LocalModelSchema } from '../llm/index.ts';
import type { Services } from '../runtime/index.ts';
import { actorOf } from './actor.ts';
import { ErrorBodySchema } from './contract.ts';

const Errors = { 400: ErrorBodySchema, 404: ErrorBodySchema, 422: ErrorBodySchema, 500: ErrorBodySchema, 502: ErrorBodySchema, 503: ErrorBodySchema, 504: ErrorBodySchema, 507: ErrorBodySchema };
/** Validated by the LLM capability (discriminated union on `kind`), so a 400 names the exact field. */
const Body = z.object({ kind: z.string() }).passthrough();

export const llmRoutes = (rt: Services): FastifyPluginAsyncZod => async (app) => {
  const status = () => rt.llm.status();

  app.get('/api/llm/status', {
    config: { permission: 'knowledge.read' },
    schema: {
      tags: ['llm'],
      summary: 'Active model and who chose it, a live check (loads an embedded model), the loaded file, measured speed, token/latency statistics and prompt versions',
      response: { 200: LlmStatusSchema },
    },
  }, status);

  app.get('/api/llm/models', {
    config: { permission: 'admin.settings' },
    schema: { tags: ['llm'], summary: 'Local models the embedded provider can switch to (installed catalog models, .gguf files in YZ_MODELS_DIR)', response: { 200: z.object({ items: z.array(LocalModelSchema) }) } },
  }, async () => ({ items: rt.llm.localModels() }));

  app.put('/api/llm/settings', {
    config: { permission: 'admin.settings' },
    schema: {
      tags: ['llm'],
      summary: 'Switch the model every feature uses: {kind: none} | {kind: ollama|openai, url, model} | {kind: embedded, model} | {kind: connector, connectorId}; tried first, then stored (audited llm.settings)',
      body: Body,
      response: { 200: LlmStatusSchema, ...Errors },
    },
  }, async (req) => {
    await rt.llm.set(req.body, actorOf(req));
    return status();
  });

  app.delete('/api/llm/settings', {
    config: { permission: 'admin.settings' },
    schema: { tags: ['llm'], summary: 'Forget the Settings choice: the environment (YZ_LLM…) decides again (audited)', response: { 200: LlmStatusSchema } },
  }, async (req) => {
    await rt.llm.reset(actorOf(req));
    return status();
  });
};
