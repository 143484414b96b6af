import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { VerifyReport } from '../audit/index.ts';
import { AppError } from '../core/index.ts';
import type { Services } from '../runtime/index.ts';
import { ErrorBodySchema } from './contract.ts';

export const AuditRecordSchema = z.object({
  seq: z.number().int(),
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  target: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  prevHash: z.string(),
  hash: z.string(),
  /** Master key id whose audit key hashed the row (HMAC-SM3); null for a legacy unkeyed row. */
  keyId: z.string().nullable(),
});
export const AuditPageSchema = z.object({ total: z.number().int(), items: z.array(AuditRecordSchema) });

export const AuditVerifySchema = z.object({
  ok: z.boolean(),
  rows: z.number().int(),
  firstSeq: z.number().int().nullable(),
  lastSeq: z.number().int().nullable(),
  headHash: z.string(),
  recordedHead: z.object({ seq: z.number().int(), hash: z.string() }),
  anchor: z.object({ seq: z.number().int(), hash: z.string(), purgeSeq: z.number().int().nullable() }).nullable(),
  problems: z.array(z.object({ kind: z.string(), seq: z.number().int().nullable(), toSeq: z.number().int().optional(), detectedAt: z.number().int().optional(), message: z.string() })),
  problemCount: z.number().int(),
  elapsedMs: z.number(),
  batchSize: z.number().int(),
  workers: z.number().int(),
  /** The latest signed checkpoint (kept outside the database) the log was compared with. */
  checkpoint: z.object({ seq: z.number().int(), hash: z.string(), at: z.string(), keyId: z.string(), checked: z.number().int() }).nullable(),
  /** What could not be checked (e.g. no checkpoint yet). */
  warnings: z.array(z.string()),
  /** When this verification finished (ISO). */
  checkedAt: z.string(),
});

/** An ISO date (`2026-11-25`, the whole day in UTC) or date-time. */
const Instant = z
  .string()
  .trim()
  .max(40)
  .regex(/^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/, 'expected an ISO date or date-time')
  .refine((s) => !Number.isNaN(Date.parse(s)), 'not a valid date');

const Query = z.object({
  actor: z.string().trim().max(200).optional(),
  action: z.string().trim().max(60).optional(),
  target: z.string().trim().max(500).optional(),
  from: Instant.optional(),
  to: Instant.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
});

const isDateOnly = (s: string) => /^\d{4}-\d{2}-\d{2}$/.test(s);

/**
 * The audit log for auditors (permission audit.read): filtered pages, and a full chain verification.
 * A date-only `to` includes that whole day. Only one verification runs at a time; a request arriving
 * meanwhile shares its result (a verification reads every row, so running several at once would
 * only slow them all down).
 */
export const auditRoutes = (rt: Services): FastifyPluginAsyncZod => async (app) => {
  let running: Promise<VerifyReport & { checkedAt: string }> | null = null;

  app.get('/api/audit', {
    config: { permission: 'audit.read' },
    schema: {
      tags: ['audit'],
      summary: 'Audit log rows, newest first, filtered by actor, action, target substring and time range',
      querystring: Query,
      response: { 200: AuditPageSchema, 400: ErrorBodySchema },
    },
  }, async (req) => {
    const q = req.query;
    const from = q.from ? new Date(q.from) : undefined;
    let to = q.to ? new Date(q.to) : undefined;
    if (to && q.to && isDateOnly(q.to)) to = new Date(to.getTime() + 86_400_000);
    if (from && to && from >= to) throw new AppError('VALIDATION_FAILED', '开始时间须早于结束时间 / from must be before to', { field: 'from' });
    return rt.audit.search({ actor: q.actor || undefined, action: q.action || undefined, target: q.target || undefined, from, to, limit: q.limit, offset: q.offset });
  });

  app.post('/api/audit/verify', {
    config: { permission: 'audit.read' },
    schema: {
      tags: ['audit'],
      summary: 'Recompute the keyed (HMAC-SM3) hash chain, compare it with the signed checkpoints, and name every edited, deleted, inserted or truncated row (with timing)',
      response: { 200: AuditVerifySchema },
    },
  }, async () => {
    running ??= rt.audit
      .verify()
      .then((r) => ({ ...r, checkedAt: new Date().toISOString() }))
      .finally(() => {
        running = null;
      });
    return running;
  });
};
