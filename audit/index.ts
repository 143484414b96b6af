/**
 * Audit capability (Security issue): an append-only log of sensitive actions, hash-chained with
 * HMAC-SM3 under a key derived from the master key, its head anchored by signed checkpoints kept
 * outside the database.
 *
 *  - `AuditLog.append(tx, { actor, action, target, details })` — inside the audited action's
 *    transaction; appends are serialised on the chain head row, so the chain stays gapless.
 *  - `AuditTrail` — per process: `init()` keys the chain (re-chaining a legacy SM3 log once, recorded),
 *    `start()/stop()` write periodic checkpoints, `verify()` compares the log with them.
 *  - `verify(db)` — recomputes the chain and names each edited, deleted or inserted row by seq, and
 *    with checkpoints also rows cut from the end and a chain rewritten after a checkpoint.
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
export { AuditTrail, type AuditTrailOptions } from './audit-trail.ts';
export { checkpointDirOf, openAuditedDatabase, type AuditedDatabase, type OpenAuditedOptions } from './audited-database.ts';
export { initAuditChain, type ChainInit } from './chain-upgrade.ts';
export { registerAuditKeys } from './chain-keys.ts';
export { CHECKPOINT_FILE, CHECKPOINT_FORMAT, readCheckpoints, writeCheckpoint, type Checkpoint } from './checkpoint.ts';
export { AuditRepository, type AuditFilter, type AuditPage } from './audit.repository.ts';
export {
  GENESIS_HASH,
  canonicalJson,
  canonicalRow,
  rowHash,
  rowMac,
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
  type ArchiveTrailer,
  type ArchiveReport,
  type ExportOptions,
  type SignatureStatus,
} from './archive.ts';
export { registerAuditCommands } from './cli.ts';
