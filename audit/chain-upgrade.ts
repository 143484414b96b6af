import { existsSync } from 'node:fs';
import { AppError, type Keyring, type Logger } from '../core/index.ts';
import type { Database, Queryable } from '../store/index.ts';
import { appendParsed, lockHead } from './audit-log.ts';
import { parseAuditEntry } from './actions.ts';
import { registerAuditKeys } from './chain-keys.ts';
import { canonicalRow, rowMac } from './chain.ts';
import { checkpointFileOf, readCheckpoints } from './checkpoint.ts';
import { verify } from './verify.ts';

export interface ChainInit {
  /** The key new rows are hashed under (the keyring's active key). */
  keyId: string;
  /** Legacy rows re-chained under the key now (0: nothing to upgrade). */
  rechained: number;
  /** The chain moved from an old key to the active one (an `audit.rekey` row records it). */
  switchedFrom: string | null;
}

const BATCH = 5000;

/**
 * Bind the audit chain to the installation keyring, once per start:
 *  - register the keyring's keys (active and old) for writers and verifiers;
 *  - a chain without a key (an empty log, or rows written before migration 015) is verified as the
 *    legacy SM3 chain it is, re-chained under the active key in one transaction (only prev_hash,
 *    hash and key_id change; the database trigger allows nothing else) and an `audit.rekey` row
 *    records the legacy head and what its verification found — so damage done before the upgrade
 *    is recorded, not laundered;
 *  - a chain under an old key of the keyring moves to the active key (`audit.rekey`, reason rotation);
 *  - a chain under a key this process does not hold is refused (CONFIG_INVALID): another process or
 *    machine started with a different key, and its rows would become unverifiable.
 * Refused as AUDIT_TAMPERED: a head without a key while keyed rows or authentic checkpoints exist
 * (someone reset the key to get the log re-chained with edited rows).
 */
export async function initAuditChain(db: Database, keyring: Keyring, opts: { checkpoints?: string | null; log?: Logger } = {}): Promise<ChainInit> {
  registerAuditKeys(keyring);
  const active = keyring.activeKeyId;
  const before = await db.query<{ key_id: string | null; seq: number | string }>('SELECT key_id, seq FROM audit_head WHERE id = 1');
  const headKey = before.rows[0]?.key_id ?? null;
  const empty = Number(before.rows[0]?.seq ?? 0) === 0;
  if (headKey === active) return { keyId: active, rechained: 0, switchedFrom: null };
  if (headKey !== null && empty) {
    // Nothing was hashed yet (e.g. a first command run with a mistyped key): bind to this key instead.
    await db.transaction(async (tx) => {
      await tx.query(`SELECT set_config('yingzhi.audit_rekey', 'on', true)`);
      await tx.query('UPDATE audit_head SET key_id = $1 WHERE id = 1 AND seq = 0', [active]);
    });
    return { keyId: active, rechained: 0, switchedFrom: null };
  }
  if (headKey !== null) {
    // This keyring must hold it (not merely this process: the registry outlives a keyring in tests).
    if (!keyring.has(headKey)) {
      throw new AppError(
        'CONFIG_INVALID',
        `审计日志使用密钥 ${headKey}，当前密钥为 ${active} / the audit log is keyed under key id ${headKey} but this process has key ${active}: start every process with the installation's key (YZ_MASTER_KEY_FILE), or list ${headKey} as an old key while rotating`,
        { field: 'YZ_MASTER_KEY' },
      );
    }
    await db.transaction((tx) => appendParsed(tx, parseAuditEntry({ actor: 'system', action: 'audit.rekey', target: 'audit_log', details: { reason: 'rotation', fromKeyId: headKey, toKeyId: active } }), active));
    opts.log?.info({ from: headKey, to: active }, 'audit chain continues under the active master key');
    return { keyId: active, rechained: 0, switchedFrom: headKey };
  }
  await refuseIfKeyedBefore(db, opts.checkpoints);
  const legacy = Number(before.rows[0]?.seq ?? 0) > 0 ? await verify(db, { legacy: true }) : null;
  const rechained = await db.transaction(async (tx) => {
    const head = await lockHead(tx);
    if (head.keyId !== null) return -1; // another process keyed it meanwhile
    await tx.query(`SELECT set_config('yingzhi.audit_rekey', 'on', true)`);
    const { count, lastHash } = await rechain(tx, keyring);
    await tx.query('UPDATE audit_head SET hash = $1, key_id = $2 WHERE id = 1', [lastHash ?? head.hash, active]);
    await tx.query(`SELECT set_config('yingzhi.audit_rekey', 'off', true)`);
    if (count > 0 && legacy) {
      const first = legacy.problems[0];
      await appendParsed(
        tx,
        parseAuditEntry({
          actor: 'system',
          action: 'audit.rekey',
          target: 'audit_log',
          details: {
            reason: 'upgrade',
            keyId: active,
            rows: count,
            legacyHead: legacy.recordedHead,
            legacyVerified: legacy.ok,
            legacyProblems: legacy.problemCount,
            ...(first ? { legacyFirstProblem: first.message.slice(0, 300) } : {}),
          },
        }),
      );
    }
    return count;
  });
  if (rechained > 0) opts.log?.warn({ rows: rechained, legacyOk: legacy?.ok }, 'audit log re-chained under the master key (upgrade to a keyed chain)');
  return { keyId: active, rechained: Math.max(rechained, 0), switchedFrom: null };
}

async function refuseIfKeyedBefore(db: Queryable, checkpoints: string | null | undefined): Promise<void> {
  const { rows } = await db.query<{ n: number | string }>('SELECT count(*) AS n FROM (SELECT 1 FROM audit_log WHERE key_id IS NOT NULL LIMIT 1) k');
  const file = checkpoints ? checkpointFileOf(checkpoints) : null;
  const signed = file && existsSync(file) ? readCheckpoints([file]).valid.length : 0;
  if (Number(rows[0]?.n ?? 0) > 0 || signed > 0) {
    throw new AppError(
      'AUDIT_TAMPERED',
      '审计日志链头丢失了密钥标识，但日志此前已加密钥：拒绝重新链接，请运行 yingzhi audit verify / the audit head lost its key id although the log was keyed before (keyed rows or signed checkpoints exist): refusing to re-chain; run `yingzhi audit verify`',
    );
  }
}

/** Re-hash every legacy row in seq order under the active key; the first row keeps its anchor (genesis or purge). */
async function rechain(tx: Queryable, keyring: Keyring): Promise<{ count: number; lastHash: string | null }> {
  const key = keyring.keysFor(keyring.activeKeyId)?.audit as Buffer;
  let after = 0;
  let prev: string | null = null;
  let count = 0;
  for (;;) {
    const { rows } = await tx.query<{ seq: number | string; at: Date | string; actor: string; action: string; target: string | null; details: unknown; prev_hash: string }>(
      'SELECT seq, at, actor, action, target, details, prev_hash FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2',
      [after, BATCH],
    );
    if (rows.length === 0) break;
    const seqs: number[] = [];
    const prevs: string[] = [];
    const hashes: string[] = [];
    for (const r of rows) {
      const seq = Number(r.seq);
      const link: string = prev ?? r.prev_hash;
      const at = new Date(r.at).toISOString();
      const hash = rowMac(key, link, canonicalRow(seq, at, r.actor, r.action, r.target, r.details));
      seqs.push(seq);
      prevs.push(link);
      hashes.push(hash);
      prev = hash;
      after = seq;
    }
    await tx.query(
      `UPDATE audit_log a SET prev_hash = u.p, hash = u.h, key_id = $4
       FROM unnest($1::bigint[], $2::text[], $3::text[]) AS u(s, p, h) WHERE a.seq = u.s`,
      [seqs, prevs, hashes, keyring.activeKeyId],
    );
    count += rows.length;
  }
  return { count, lastHash: prev };
}
