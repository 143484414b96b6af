import { z } from 'zod';
import { AppError } from '../core/index.ts';
import { AUDIT_ACTIONS } from './action-names.ts';

export { AUDIT_ACTIONS };

export const AuditActionSchema = z.enum(AUDIT_ACTIONS);
export type AuditAction = z.infer<typeof AuditActionSchema>;

/** What a caller records; the log adds seq, time and hashes. */
export const AuditEntryInputSchema = z.object({
  /** Who: a user id (`usr_…`), `cli:<os user>`, `system`… Never a password or token. */
  actor: z.string().trim().min(1).max(200),
  action: AuditActionSchema,
  /** What was acted on (`src_…`, `user:…`, a file name); null when nothing specific. */
  target: z.string().max(500).nullable().default(null),
  /** Structured context (JSON object). Keep patient identifiers out: de-identify first. */
  details: z.record(z.string(), z.unknown()).default({}),
});
export type AuditEntryInput = z.input<typeof AuditEntryInputSchema>;
export type AuditEntry = z.output<typeof AuditEntryInputSchema>;

/**
 * Validate an entry and reduce its details to plain JSON values (what jsonb stores and gives back):
 * the hash is computed over exactly what a later read returns, so verification is reproducible.
 */
export function parseAuditEntry(input: AuditEntryInput): AuditEntry {
  const parsed = AuditEntryInputSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = String(issue?.path[0] ?? 'entry');
    throw new AppError('VALIDATION_FAILED', `审计条目字段 ${field} 无效 / invalid audit entry field ${field}: ${issue?.message}`, { field });
  }
  let details: Record<string, unknown>;
  try {
    details = JSON.parse(JSON.stringify(parsed.data.details)) as Record<string, unknown>;
  } catch (cause) {
    throw new AppError('VALIDATION_FAILED', `审计条目 details 不是 JSON / audit details are not JSON-serialisable: ${(cause as Error).message}`, {
      field: 'details',
      cause,
    });
  }
  // jsonb cannot hold U+0000; refuse here rather than fail inside the caller's transaction.
  if (JSON.stringify(details).includes('\\u0000')) {
    throw new AppError('VALIDATION_FAILED', '审计条目 details 含有 NUL 字符 / audit details contain a NUL character', { field: 'details' });
  }
  return { ...parsed.data, details };
}
