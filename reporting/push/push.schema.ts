import { z } from 'zod';

export const PUSH_FORMATS = ['hl7', 'fhir', 'json'] as const;
export type PushFormat = (typeof PUSH_FORMATS)[number];

/** Body of POST /api/reports/drafts/:id/push. */
export const PushRequestSchema = z.object({
  connectorId: z.string().min(1).max(100),
  format: z.enum(PUSH_FORMATS).default('hl7'),
}).strict();
export type PushRequest = z.infer<typeof PushRequestSchema>;

/** One delivery of a draft to a push target, as the Draft page's history shows it. */
export const PushSchema = z.object({
  id: z.string(),
  draftId: z.string(),
  connectorId: z.string(),
  connectorName: z.string(),
  format: z.enum(PUSH_FORMATS),
  status: z.enum(['queued', 'retrying', 'sent', 'failed']),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  responseStatus: z.number().int().nullable(),
  jobId: z.string().nullable(),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  sentAt: z.string().nullable(),
});
export type Push = z.infer<typeof PushSchema>;

/** A place a draft can be pushed to (an enabled RIS connector in REST mode). */
export const PushTargetSchema = z.object({ id: z.string(), name: z.string() });
export type PushTarget = z.infer<typeof PushTargetSchema>;
