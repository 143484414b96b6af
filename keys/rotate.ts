import { AuditLog } from '../audit/index.ts';
import { AppError, decryptField, fieldKeyId, isEncryptedField, type Keyring, reencryptField } from '../core/index.ts';
import type { Database, Queryable } from '../store/index.ts';
import type { EncryptedColumn } from './columns.ts';
import { KeysRepository, type StoredValue } from './keys.repository.ts';

export interface ColumnKeyCount {
  table: string;
  column: string;
  /** Values (tokens) per key id. */
  byKey: Record<string, number>;
}

export interface RotateReport {
  activeKeyId: string;
  /** `reindexed`: blind-index values recomputed under the active key (columns that declare one). */
  columns: Array<ColumnKeyCount & { values: number; rewritten: number; reindexed?: number }>;
  /** Tokens rewritten under the active key, over all columns. */
  rewritten: number;
  elapsedMs: number;
}

export interface RotateOptions {
  /** Recorded in the audit log (`cli:<os user>`). */
  actor: string;
  /** Rows per transaction (default 500). */
  batchSize?: number;
}

const where = (c: EncryptedColumn, id: string) => `${c.table}.${c.column} (${c.key} = ${id})`;

/** The tokens inside one stored value: the value itself, or every token-shaped string of a JSON document. */
function tokensOf(c: EncryptedColumn, row: StoredValue): string[] {
  if (c.kind === 'mixed') return isEncryptedField(row.value) ? [row.value] : [];
  if (c.kind === 'text') {
    // No plaintext fallback: a value that is not a token in an encrypted column is an error.
    if (!isEncryptedField(row.value)) {
      throw new AppError('VALIDATION_FAILED', `加密列中有未加密或损坏的值 / ${where(c, row.id)} holds a value that is not an encrypted field`, {
        field: `${c.table}.${c.column}`,
      });
    }
    return [row.value];
  }
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (isEncryptedField(v)) out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(JSON.parse(row.value));
  return out;
}

/** The stored value with every token re-encrypted under the active key (unchanged when all already are). */
function rotateValue(c: EncryptedColumn, row: StoredValue, keyring: Keyring): string {
  const field = `${c.table}.${c.column}`;
  if (c.kind === 'mixed') return isEncryptedField(row.value) ? reencryptField(row.value, keyring, field) : row.value;
  if (c.kind === 'text') return reencryptField(row.value, keyring, field);
  const walk = (v: unknown): unknown => {
    if (isEncryptedField(v)) return reencryptField(v, keyring, field);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  const before = JSON.parse(row.value) as unknown;
  const after = walk(before);
  return JSON.stringify(after) === JSON.stringify(before) ? row.value : JSON.stringify(after);
}

/** Every row of a column, batch by batch, outside any transaction (read-only scans). */
async function* scan(db: Queryable, repo: KeysRepository, c: EncryptedColumn, batchSize: number): AsyncGenerator<StoredValue> {
  let after: string | null = null;
  for (;;) {
    const rows = await repo.batch(db, c, after, batchSize);
    yield* rows;
    if (rows.length < batchSize) return;
    after = rows[rows.length - 1]!.id;
  }
}

/** How many tokens each key id encrypted, per column (`yingzhi keys status`; also rotation's pre-check). */
export async function countByKey(db: Queryable, columns: readonly EncryptedColumn[], batchSize = 1000): Promise<ColumnKeyCount[]> {
  const repo = new KeysRepository();
  const out: ColumnKeyCount[] = [];
  for (const c of columns) {
    const byKey: Record<string, number> = {};
    for await (const row of scan(db, repo, c, batchSize)) {
      for (const token of tokensOf(c, row)) {
        const id = fieldKeyId(token, `${c.table}.${c.column}`);
        byKey[id] = (byKey[id] ?? 0) + 1;
      }
    }
    out.push({ table: c.table, column: c.column, byKey });
  }
  return out;
}

/**
 * Re-encrypt every token of every registered column under the keyring's active key, then record
 * `key.rotate` in the audit log.
 *
 * First a read-only pass counts tokens per key id: a token under a key the keyring does not hold
 * (the wrong master key, or the previous key not listed in YZ_MASTER_KEYS_OLD) stops the rotation
 * with CONFIG_INVALID before anything is written, and a value that is not a token at all stops it
 * with VALIDATION_FAILED — never is a value taken as plaintext. Then rows are rewritten in
 * transactions of `batchSize` rows (locked while rewritten); each token is verified (HMAC-SM3)
 * before it is re-encrypted. A column's blind index (e.g. `cases.patient_key`) is recomputed under the
 * active key in the same UPDATE as its token. Tokens carry their key id, so a rotation interrupted
 * between batches leaves every row readable and is finished by running it again (the service looks a
 * blind index up under every loaded key, so a half-rotated table still finds every row).
 */
export async function rotateKeys(db: Database, keyring: Keyring, columns: readonly EncryptedColumn[], opts: RotateOptions): Promise<RotateReport> {
  const t0 = performance.now();
  const batchSize = Math.max(1, Math.floor(opts.batchSize ?? 500));
  const counts = await countByKey(db, columns);
  const unknown = counts.flatMap((c) => Object.entries(c.byKey).filter(([id]) => !keyring.has(id)).map(([id, n]) => `${c.table}.${c.column}: ${n} × ${id}`));
  if (unknown.length) {
    throw new AppError(
      'CONFIG_INVALID',
      `有值由未加载的密钥加密：主密钥错误，或未在 YZ_MASTER_KEYS_OLD 中列出旧密钥；未做任何修改 / values are encrypted with keys that are not loaded (wrong master key, or the previous key missing from YZ_MASTER_KEYS_OLD); nothing was changed: ${unknown.join('; ')}`,
      { details: { loadedKeyIds: keyring.keyIds, unknown } },
    );
  }

  const repo = new KeysRepository();
  const report: RotateReport = { activeKeyId: keyring.activeKeyId, columns: [], rewritten: 0, elapsedMs: 0 };
  for (const [i, c] of columns.entries()) {
    let values = 0;
    let rewritten = 0;
    let reindexed = 0;
    let after: string | null = null;
    for (let more = true; more; ) {
      const res = await db.transaction(async (tx) => {
        const rows = await repo.batch(tx, c, after, batchSize, true);
        let changed = 0;
        let indexed = 0;
        for (const row of rows) {
          const next = rotateValue(c, row, keyring);
          // A blind index follows its token: recomputed under the active key (also when the token already was on
          // it but the index is missing or stale, e.g. rotated before the column declared its index).
          const index = c.blindIndex ? c.blindIndex.of(decryptField(next, keyring, `${c.table}.${c.column}`), keyring) : undefined;
          const indexChanged = index !== undefined && index !== row.index;
          if (next !== row.value || indexChanged) {
            await repo.write(tx, c, row.id, next, index);
            changed += tokensOf(c, row).filter((tk) => fieldKeyId(tk) !== keyring.activeKeyId).length;
            if (indexChanged) indexed++;
          }
        }
        return { rows, changed, reindexed: indexed };
      });
      values += res.rows.length;
      rewritten += res.changed;
      reindexed += res.reindexed;
      more = res.rows.length === batchSize;
      if (more) after = res.rows[res.rows.length - 1]!.id;
    }
    report.columns.push({ ...counts[i]!, values, rewritten, ...(c.blindIndex ? { reindexed } : {}) });
    report.rewritten += rewritten;
  }
  report.elapsedMs = Math.round(performance.now() - t0);
  await new AuditLog().append(db, {
    actor: opts.actor,
    action: 'key.rotate',
    target: `key:${keyring.activeKeyId}`,
    details: {
      activeKeyId: keyring.activeKeyId,
      loadedKeyIds: keyring.keyIds,
      rewritten: report.rewritten,
      columns: report.columns.map((c) => ({ table: c.table, column: c.column, values: c.values, rewritten: c.rewritten, ...(c.reindexed !== undefined ? { reindexed: c.reindexed } : {}), before: c.byKey })),
    },
  });
  return report;
}
