import { AppError } from '../core/index.ts';
import type { Database, Queryable } from '../store/index.ts';
import { type AuditEntry, type AuditEntryInput, parseAuditEntry } from './actions.ts';
import { auditKey } from './chain-keys.ts';
import { type AuditRecord, canonicalRow, rowMac } from './chain.ts';

export interface AuditRowDb {
  seq: number | string;
  at: Date | string;
  actor: string;
  action: string;
  target: string | null;
  details: Record<string, unknown>;
  prev_hash: string;
  hash: string;
  key_id: string | null;
}

/** Columns of an audit row, in AuditRowDb's shape. */
export const AUDIT_COLUMNS = 'seq, at, actor, action, target, details, prev_hash, hash, key_id';

export function toIso(d: Date | string): string {
  const date = d instanceof Date ? d : new Date(d);
  if (Number.isNaN(date.getTime())) throw new AppError('VALIDATION_FAILED', `时间无效 / invalid timestamp: ${String(d)}`, { field: 'at' });
  return date.toISOString();
}

export function toRecord(r: AuditRowDb): AuditRecord {
  return {
    seq: Number(r.seq),
    at: toIso(r.at),
    actor: r.actor,
    action: r.action,
    target: r.target,
    details: r.details,
    prevHash: r.prev_hash,
    hash: r.hash,
    keyId: r.key_id,
  };
}

function isDatabase(q: Queryable | Database): q is Database {
  return typeof (q as Database).transaction === 'function';
}

export interface ChainHead {
  seq: number;
  hash: string;
  /** Key id new rows are hashed under; null until the chain is keyed (see chain-upgrade.ts). */
  keyId: string | null;
}

/** The recorded chain head (seq 0 and the genesis hash on an empty log). */
export async function readHead(q: Queryable): Promise<ChainHead> {
  const { rows } = await q.query<{ seq: number | string; hash: string; key_id: string | null }>('SELECT seq, hash, key_id FROM audit_head WHERE id = 1');
  if (!rows[0]) throw new AppError('INTERNAL', 'audit_head 缺失 / audit_head row missing: migration 003 not applied?');
  return { seq: Number(rows[0].seq), hash: rows[0].hash, keyId: rows[0].key_id };
}

/** Lock the head for this transaction (every writer queues here) and read the database clock. */
export async function lockHead(tx: Queryable): Promise<ChainHead & { now: Date }> {
  const { rows } = await tx.query<{ seq: number | string; hash: string; key_id: string | null; now: Date | string }>(
    `SELECT seq, hash, key_id, date_trunc('milliseconds', clock_timestamp()) AS now FROM audit_head WHERE id = 1 FOR UPDATE`,
  );
  if (!rows[0]) throw new AppError('INTERNAL', 'audit_head 缺失 / audit_head row missing: migration 003 not applied?');
  return { seq: Number(rows[0].seq), hash: rows[0].hash, keyId: rows[0].key_id, now: new Date(rows[0].now) };
}

/** The key new rows are hashed under: the one the head names, which this process must hold. */
export function writerKey(head: ChainHead, keyId = head.keyId): { keyId: string; key: Buffer } {
  if (!keyId) {
    throw new AppError('CONFIG_INVALID', '审计日志尚未绑定密钥（启动时由 initAuditChain 完成）/ the audit log has no key yet: initAuditChain runs at start');
  }
  const key = auditKey(keyId);
  if (!key) {
    throw new AppError(
      'CONFIG_INVALID',
      `审计日志使用密钥 ${keyId}，本进程未加载该密钥 / the audit log is keyed under key id ${keyId}, which this process does not hold: set YZ_MASTER_KEY_FILE to the installation's key file`,
      { field: 'YZ_MASTER_KEY' },
    );
  }
  return { keyId, key };
}

const INSERT_ROWS = `INSERT INTO audit_log (seq, at, actor, action, target, details, prev_hash, hash, key_id)
  SELECT s, a, ac, act, t, d::jsonb, p, h, k
  FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[]) AS u(s, a, ac, act, t, d, p, h, k)`;

async function insertRecords(tx: Queryable, records: AuditRecord[]): Promise<void> {
  await tx.query(INSERT_ROWS, [
    records.map((r) => r.seq),
    records.map((r) => r.at),
    records.map((r) => r.actor),
    records.map((r) => r.action),
    records.map((r) => r.target),
    records.map((r) => JSON.stringify(r.details)),
    records.map((r) => r.prevHash),
    records.map((r) => r.hash),
    records.map((r) => r.keyId),
  ]);
  const last = records[records.length - 1];
  await tx.query('UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1', [last.seq, last.hash]);
}

/**
 * Append under the head's lock. `switchTo` moves the chain to another held key: this row is the first
 * hashed under it and the head records the new key in the same statement (key rotation, upgrade).
 */
export async function appendParsed(tx: Queryable, entry: AuditEntry, switchTo?: string): Promise<AuditRecord> {
  const head = await lockHead(tx);
  const { keyId, key } = writerKey(head, switchTo ?? head.keyId);
  const seq = head.seq + 1;
  const at = head.now.toISOString();
  const hash = rowMac(key, head.hash, canonicalRow(seq, at, entry.actor, entry.action, entry.target, entry.details));
  await tx.query(
    `WITH ins AS (
       INSERT INTO audit_log (seq, at, actor, action, target, details, prev_hash, hash, key_id)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9) RETURNING seq, hash, key_id)
     UPDATE audit_head SET seq = ins.seq, hash = ins.hash, key_id = ins.key_id FROM ins WHERE audit_head.id = 1`,
    [seq, at, entry.actor, entry.action, entry.target, JSON.stringify(entry.details), head.hash, hash, keyId],
  );
  return { seq, at, ...entry, prevHash: head.hash, hash, keyId };
}

/**
 * Writes the audit log. Every append locks the chain head row (`SELECT … FOR UPDATE`), so appends
 * from any number of connections or processes form one gapless chain; the lock is held until the
 * caller's transaction ends. Pass the transaction of the audited action, so the action and its
 * audit row commit (or roll back) together — and append last in that transaction, since other
 * writers wait for it.
 */
export class AuditLog {
  /**
   * Record one action. `q` is the caller's transaction; given the Database itself, the append runs
   * in a transaction of its own. Throws VALIDATION_FAILED naming the field for a bad entry. (In a
   * REPEATABLE READ / SERIALIZABLE transaction a concurrent append surfaces as a serialization
   * failure, to be retried like any other.)
   */
  async append(q: Queryable | Database, input: AuditEntryInput): Promise<AuditRecord> {
    const entry = parseAuditEntry(input);
    return isDatabase(q) ? q.transaction((tx) => appendParsed(tx, entry)) : appendParsed(q, entry);
  }

  /**
   * Append many entries that carry their own timestamps, chained in JS and written with bulk
   * inserts: importing a legacy log, tests and the benchmark. Timestamps are trusted as given
   * (kept to the millisecond), so this is not an API for request handlers.
   */
  async appendImported(
    db: Database,
    entries: Iterable<AuditEntryInput & { at: Date | string }>,
    opts: { batchSize?: number } = {},
  ): Promise<ChainHead> {
    const batchSize = opts.batchSize ?? 5000;
    return db.transaction(async (tx) => {
      const head = await lockHead(tx);
      const { keyId, key } = writerKey(head);
      let prev = head.hash;
      let seq = head.seq;
      let batch: AuditRecord[] = [];
      for (const input of entries) {
        const e = parseAuditEntry(input);
        const at = toIso(input.at);
        seq++;
        const hash = rowMac(key, prev, canonicalRow(seq, at, e.actor, e.action, e.target, e.details));
        batch.push({ seq, at, ...e, prevHash: prev, hash, keyId });
        prev = hash;
        if (batch.length >= batchSize) {
          await insertRecords(tx, batch);
          batch = [];
        }
      }
      if (batch.length) await insertRecords(tx, batch);
      return { seq, hash: prev, keyId };
    });
  }

  /** Latest rows first (for an audit page), optionally before a seq and of one action. */
  async recent(q: Queryable, opts: { limit?: number; beforeSeq?: number; action?: string } = {}): Promise<AuditRecord[]> {
    const { rows } = await q.query<AuditRowDb>(
      `SELECT ${AUDIT_COLUMNS} FROM audit_log
       WHERE ($1::bigint IS NULL OR seq < $1) AND ($2::text IS NULL OR action = $2)
       ORDER BY seq DESC LIMIT $3`,
      [opts.beforeSeq ?? null, opts.action ?? null, Math.min(Math.max(opts.limit ?? 100, 1), 1000)],
    );
    return rows.map(toRecord);
  }

  head(q: Queryable): Promise<ChainHead> {
    return readHead(q);
  }
}
