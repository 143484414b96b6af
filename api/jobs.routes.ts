import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CONNECTORS_HEALTH_JOB } from '../connectors/index.ts';
import { AppError } from '../core/index.ts';
import type { Services } from '../runtime/index.ts';
import { JOB_STATUSES } from '../store/index.ts';
import { actorOf } from './actor.ts';
import { ErrorBodySchema, JobListSchema, JobSchema } from './contract.ts';

const Params = z.object({ id: z.string().max(100) });
/** Routine background work shown elsewhere (connector health: the connectors page's history). */
const BACKGROUND_KINDS = [CONNECTORS_HEALTH_JOB];

export const jobsRoutes = (rt: Services): FastifyPluginAsyncZod => async (app) => {
  app.get('/api/jobs', {
    config: { permission: 'knowledge.read' },
    schema: {
      tags: ['jobs'],
      summary: 'Recent jobs with counts by status, paged',
      description: `Connector health checks (${CONNECTORS_HEALTH_JOB}) are recorded as connector history and left out unless asked for with kind.`,
      querystring: z.object({
        status: z.enum(JOB_STATUSES).optional(),
        kind: z.string().max(50).optional(),
        sourceId: z.string().max(100).optional(),
        limit: z.coerce.number().int().min(1).max(500).default(100),
        offset: z.coerce.number().int().min(0).default(0),
      }),
      response: { 200: JobListSchema },
    },
  }, async (req) => {
    const filter = { ...req.query, excludeKinds: BACKGROUND_KINDS };
    const [items, total, counts] = await Promise.all([rt.jobs.list(filter), rt.jobs.total(filter), rt.jobs.counts({ excludeKinds: BACKGROUND_KINDS })]);
    return { items, total, counts };
  });

  app.get('/api/jobs/:id', {
    config: { permission: 'knowledge.read' },
    schema: { tags: ['jobs'], summary: 'One job with progress', params: Params, response: { 200: JobSchema, 404: ErrorBodySchema } },
  }, async (req) => {
    const job = await rt.jobs.get(req.params.id);
    if (!job) throw new AppError('NOT_FOUND', `任务不存在 / unknown job ${req.params.id}`, { field: 'id' });
    return job;
  });

  app.post('/api/jobs/:id/retry', {
    config: { permission: 'jobs.manage' },
    schema: { tags: ['jobs'], summary: 'Retry a failed, cancelled or quarantined job (attempts start again)', params: Params, response: { 200: JobSchema, 404: ErrorBodySchema, 409: ErrorBodySchema } },
  }, async (req) => {
    return rt.jobs.retry(req.params.id, actorOf(req));
  });

  app.post('/api/jobs/:id/cancel', {
    config: { permission: 'jobs.manage' },
    schema: { tags: ['jobs'], summary: 'Cancel a queued or running job', params: Params, response: { 200: JobSchema, 404: ErrorBodySchema, 409: ErrorBodySchema } },
  }, async (req) => {
    return rt.jobs.cancel(req.params.id, actorOf(req));
  });
};
