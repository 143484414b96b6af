/**
 * Audit capability (Security issue): an append-only, SM3 hash-chained log of sensitive actions.
 *
 *  - `AuditLog.append(tx, { actor, action, target, details })` — inside the audited action's
 *    transaction; appends are serialised on the chain head row, so the chain stays gapless.
 *  - `verify(db)` — recomputes the chain and names each edited, deleted or inserted row by seq.
 *  - `purge(db, { olderThanDays, actor })` — retention (≥ 180 days, `YZ_AUDIT_RETENTION_DAYS` may
 *    only raise it); deletes a prefix and records the anchor the chain continues from.
 *  - `exportArchive(db, out)` / `verifyArchive(file)` — JSON-lines archive closed by a trailer
 *    signed with HMAC-SM3 under the master key when one is configured.
 *
 * Storage: store/migrations/003_audit.sql (tables audit_log, audit_head; triggers refuse UPDATE,
 * DELETE and TRUNCATE except a retention purge of rows older than 180 days).
 * CLI: `yingzhi audit verify | export | verify-archive | purge` (audit/cli.ts).
 */
export { AUDIT_ACTIONS, AuditActionSchema, AuditEntryInputSchema, parseAuditEntry, type AuditAction, type AuditEntry, type AuditEntryInput } from './actions.ts';
export { AuditLog, readHead, type ChainHead } from './audit-log.ts';
export { AuditRepository, type AuditFilter, type AuditPage } from './audit.repository.ts';
export {
  GENESIS_HASH,
  canonicalJson,
  canonicalRow,
  rowHash,
  recordHash,
  ChainChecker,
  type AuditRecord,
  type AuditProblem,
  type AuditProblemKind,
} from './chain.ts';
export { verify, type VerifyOptions, type VerifyReport } from './verify.ts';
export { MIN_RETENTION_DAYS, retentionDaysFromEnv, purge, type PurgeOptions, type PurgeResult } from './retention.ts';
export {
  ARCHIVE_FORMAT,
  exportArchive,
  verifyArchive,
  keyringFromEnv,
  type ArchiveTrailer,
  type ArchiveReport,
  type ExportOptions,
  type SignatureStatus,
} from './archive.ts';
export { registerAuditCommands } from './cli.ts';
