import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AI_TASKS, AiImportSchema, AiRequestSchema, AiResultRowSchema } from '../imaging/index.ts';
import type { Services } from '../runtime/index.ts';
import { ErrorBodySchema } from './contract.ts';
import { principalOf } from './permissions.ts';

/** Imaging-AI requests through the `imaging_ai` connector (contract: imaging/ai/CONTRACT.md). */
export const imagingAiRoutes = (rt: Services): FastifyPluginAsyncZod => async (app) => {
  const ai = rt.imaging.ai;

  app.post('/api/imaging/ai/jobs', {
    config: { permission: 'report.draft' },
    schema: {
      tags: ['imaging'],
      summary: 'Ask the imaging-AI service to analyse a study (segmentation, nodule detection, SAM-style interactive segmentation with box/point prompts); queued, retried while the service is down',
      consumes: ['application/json'],
      body: AiRequestSchema,
      response: { 202: AiResultRowSchema, 400: ErrorBodySchema, 409: ErrorBodySchema },
    },
  }, async (req, reply) => reply.code(202).send(await ai.request(req.body, principalOf(req).username)));

  app.post('/api/imaging/ai/results', {
    config: { permission: 'report.draft' },
    schema: {
      tags: ['imaging'],
      summary: 'Import an imaging-AI result document the user already has (the contract result format: model, task, studyInstanceUid, segments, findings); mapped to graph entities with unknown labels listed; no connector needed; the same document twice is one result (200)',
      consumes: ['application/json'],
      body: AiImportSchema,
      response: { 201: AiResultRowSchema, 200: AiResultRowSchema, 400: ErrorBodySchema },
    },
  }, async (req, reply) => {
    const { row, created } = await ai.importResult(req.body, principalOf(req).username);
    return reply.code(created ? 201 : 200).send(row);
  });

  app.get('/api/imaging/ai/results', {
    config: { permission: 'report.draft' },
    schema: {
      tags: ['imaging'],
      summary: 'Imaging-AI requests and results, newest first, with findings mapped to graph entities and unknown labels listed',
      querystring: z.object({ studyUid: z.string().max(128).optional(), task: z.enum(AI_TASKS).optional(), status: z.enum(['queued', 'running', 'retrying', 'succeeded', 'failed']).optional(), limit: z.coerce.number().int().min(1).max(500).default(50) }),
      response: { 200: z.object({ items: z.array(AiResultRowSchema), configured: z.boolean() }) },
    },
  }, async (req) => ({ items: await ai.list(req.query), configured: await ai.configured() }));

  app.get('/api/imaging/ai/results/:id', {
    config: { permission: 'report.draft' },
    schema: { tags: ['imaging'], summary: 'One imaging-AI request with its status, attempts, last error and mapped findings', params: z.object({ id: z.string().max(100) }), response: { 200: AiResultRowSchema, 404: ErrorBodySchema } },
  }, async (req) => ai.get(req.params.id));
};
