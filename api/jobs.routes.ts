import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../core/index.ts';
import type { Runtime } from '../runtime/index.ts';
import { JOB_STATUSES } from '../store/index.ts';
import { actorOf } from './actor.ts';
import { ErrorBodySchema, JobListSchema, JobSchema } from './contract.ts';

const Params = z.object({ id: z.string().max(100) });

export const jobsRoutes = (rt: Runtime): FastifyPluginAsyncZod => async (app) => {
  app.get('/api/jobs', {
    config: { permission: 'knowledge.read' },
    schema: {
      tags: ['jobs'],
      summary: 'Recent jobs with counts by status',
      querystring: z.object({
        status: z.enum(JOB_STATUSES).optional(),
        kind: z.string().max(50).optional(),
        limit: z.coerce.number().int().min(1).max(500).default(100),
      }),
      response: { 200: JobListSchema },
    },
  }, async (req) => ({ items: await rt.jobs.list(req.query), counts: await rt.jobs.counts() }));

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
    const job = await rt.jobAdmin.retry(req.params.id, actorOf(req));
    if (!job) return conflictOrMissing(rt, req.params.id, '只有失败、已取消或已隔离的任务可以重试 / only failed, cancelled or quarantined jobs can be retried');
    rt.runner.wake();
    return job;
  });

  app.post('/api/jobs/:id/cancel', {
    config: { permission: 'jobs.manage' },
    schema: { tags: ['jobs'], summary: 'Cancel a queued or running job', params: Params, response: { 200: JobSchema, 404: ErrorBodySchema, 409: ErrorBodySchema } },
  }, async (req) => {
    const job = await rt.jobAdmin.cancel(req.params.id, actorOf(req));
    if (!job) return conflictOrMissing(rt, req.params.id, '任务已结束，无法取消 / job already finished');
    return job;
  });
};

async function conflictOrMissing(rt: Runtime, id: string, conflictMessage: string): Promise<never> {
  const exists = await rt.jobs.get(id);
  if (!exists) throw new AppError('NOT_FOUND', `任务不存在 / unknown job ${id}`, { field: 'id' });
  throw new AppError('STATE_CONFLICT', conflictMessage, { field: 'id', details: { status: exists.status } });
}
