import { z } from 'zod';

/**
 * `quarantined`: the worker died while running the job until its attempts were used up (a poison pill,
 * e.g. a document that crashes the parser); it waits for an admin to retry it.
 */
export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'quarantined'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** A job as stored and as served: one schema for the queue's type, the API and the UI. */
export const JobSchema = z.object({
  id: z.string(),
  kind: z.string(),
  status: z.enum(JOB_STATUSES),
  dedupeKey: z.string().nullable(),
  payload: z.record(z.string(), z.unknown()),
  step: z.string().nullable(),
  progressDone: z.number().int(),
  progressTotal: z.number().int(),
  attempts: z.number().int(),
  maxAttempts: z.number().int(),
  /** How often the process running this job died (lease expired or found running at start): > 0 marks a suspect. */
  crashes: z.number().int(),
  lastError: z.object({ code: z.string(), message: z.string() }).nullable(),
  result: z.record(z.string(), z.unknown()).nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  updatedAt: z.string(),
});
export type Job = z.infer<typeof JobSchema>;
