import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog, canonicalRow, rowHash, rowMac, verify } from '../audit/index.ts';
import { type Database, loadMigrations, migrate, PgliteDatabase } from '../store/index.ts';
import type { Runtime } from '../runtime/index.ts';
import { tamper } from './helpers/audit.ts';
import { testRuntime } from './helpers/runtime.ts';

interface Row {
  seq: number;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  details: Record<string, unknown>;
  prev_hash: string;
}

/**
 * The attack of the red-team report (M4): edit row `seq`, then recompute every hash from there on
 * with the published, unkeyed SM3 formula and move the head — what anyone with write access to the
 * table can do without a key. Only columns that exist on every version of the table are touched.
 */
async function editAndRechainWithSm3(db: Database, seq: number, patch: Record<string, unknown>): Promise<void> {
  await tamper(db, async (tx) => {
    await tx.query('UPDATE audit_log SET details = details || $2::jsonb WHERE seq = $1', [seq, JSON.stringify(patch)]);
    const { rows } = await tx.query<Row>('SELECT seq, at, actor, action, target, details, prev_hash FROM audit_log WHERE seq >= $1 ORDER BY seq', [seq]);
    let prev = rows[0].prev_hash;
    for (const r of rows) {
      const hash = rowHash(prev, canonicalRow(Number(r.seq), new Date(r.at).toISOString(), r.actor, r.action, r.target, r.details));
      await tx.query('UPDATE audit_log SET prev_hash = $2, hash = $3 WHERE seq = $1', [r.seq, prev, hash]);
      prev = hash;
    }
    await tx.query('UPDATE audit_head SET seq = (SELECT max(seq) FROM audit_log), hash = $1', [prev]);
  });
}

/** Cut every row after `keep` and move the head back onto row `keep`: the log looks complete. */
async function cutTail(db: Database, keep: number): Promise<void> {
  await tamper(db, async (tx) => {
    await tx.query('DELETE FROM audit_log WHERE seq > $1', [keep]);
    await tx.query('UPDATE audit_head SET seq = $1, hash = (SELECT hash FROM audit_log WHERE seq = $1)', [keep]);
  });
}

async function appendRows(db: Database, n: number, from = 0): Promise<void> {
  const log = new AuditLog();
  for (let i = from; i < from + n; i++) await log.append(db, { actor: `usr_${i % 3}`, action: 'review.approve', target: `cand_${i}`, details: { i } });
}

describe('audit chain: keyed rows and signed checkpoints (issue 12, M4)', () => {
  let rt: Runtime;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'yz-audit-cp-'));
    rt = await testRuntime({ YZ_AUDIT_CHECKPOINT_DIR: dir });
  });
  afterAll(async () => {
    await rt?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an edited row re-chained with SM3 (no key needed on the old chain) fails verification', async () => {
    await appendRows(rt.db, 8);
    expect(await verify(rt.db)).toMatchObject({ ok: true });
    await editAndRechainWithSm3(rt.db, 3, { i: 'forged' });
    const report = await verify(rt.db);
    expect(report.ok).toBe(false);
    expect(report.problems[0]).toMatchObject({ kind: 'edited', seq: 3, toSeq: 8 });
  });

  it('rows cut from the end with the head moved back are found against the latest checkpoint', async () => {
    const db = rt.db;
    await resetLog(db, dir);
    await appendRows(db, 10);
    const cp = await rt.audit.checkpoint();
    expect(cp).toMatchObject({ seq: 10, keyId: rt.keyring.activeKeyId });
    const file = path.join(dir, 'audit-checkpoints.jsonl');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await rt.audit.checkpoint()).toBeNull(); // head unchanged: nothing new to anchor
    expect(await rt.audit.verify()).toMatchObject({ ok: true, checkpoint: { seq: 10, checked: 1 }, warnings: [] });

    await cutTail(db, 6);
    expect((await verify(db)).ok).toBe(true); // the chain alone cannot tell
    const report = await rt.audit.verify();
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'truncated', seq: 7, toSeq: 10 })]);
    expect(report.problems[0].message).toMatch(/rows 7–10 cut from the end/);
  });

  it('a chain rewritten with the (stolen) key is found where it disagrees with a checkpoint', async () => {
    const db = rt.db;
    await resetLog(db, dir);
    await appendRows(db, 6);
    await rt.audit.checkpoint();
    await appendRows(db, 2, 6);
    // Re-chain from row 2 with the real key: every row verifies on its own.
    const key = rt.keyring.keysFor(rt.keyring.activeKeyId)?.audit as Buffer;
    await tamper(db, async (tx) => {
      await tx.query(`UPDATE audit_log SET details = '{"i": "forged"}' WHERE seq = 2`);
      const { rows } = await tx.query<Row>('SELECT seq, at, actor, action, target, details, prev_hash FROM audit_log WHERE seq >= 2 ORDER BY seq');
      let prev = rows[0].prev_hash;
      for (const r of rows) {
        const hash = rowMac(key, prev, canonicalRow(Number(r.seq), new Date(r.at).toISOString(), r.actor, r.action, r.target, r.details));
        await tx.query('UPDATE audit_log SET prev_hash = $2, hash = $3 WHERE seq = $1', [r.seq, prev, hash]);
        prev = hash;
      }
      await tx.query('UPDATE audit_head SET hash = $1', [prev]);
    });
    expect((await verify(db)).ok).toBe(true);
    const report = await rt.audit.verify();
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'checkpoint_mismatch', seq: 6 })]);
  });

  it('a forged checkpoint line is named; what verify cannot see is said, not hidden', async () => {
    const db = rt.db;
    await resetLog(db, dir);
    await appendRows(db, 4);
    const cp = await rt.audit.checkpoint();
    const file = path.join(dir, 'audit-checkpoints.jsonl');
    appendFileSync(file, `${JSON.stringify({ ...cp, seq: 99, mac: randomBytes(32).toString('hex') })}\n`);
    let report = await rt.audit.verify();
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'checkpoint', seq: 99 })]);
    rmSync(file);

    // Rows appended after the last checkpoint and then cut leave no trace: documented, and the
    // report says when there is no checkpoint to compare with at all.
    report = await rt.audit.verify();
    expect(report).toMatchObject({ ok: true, checkpoint: null });
    expect(report.warnings.join(' ')).toMatch(/no audit checkpoint/);
  });
});

/** Empty the log for the next scenario (the suite's own setup, triggers off) and drop its checkpoints. */
async function resetLog(db: Database, checkpointDir: string): Promise<void> {
  await tamper(db, (tx) => tx.exec(`DELETE FROM audit_log; UPDATE audit_head SET seq = 0, hash = repeat('0', 64)`));
  rmSync(path.join(checkpointDir, 'audit-checkpoints.jsonl'), { force: true });
}

describe('upgrading a legacy (unkeyed SM3) audit log', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** A data directory as the previous release left it: migrations before 015, an SM3 chain of `n` rows. */
  async function legacyInstall(n: number, damage?: (db: Database) => Promise<void>): Promise<string> {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'yz-audit-legacy-'));
    dirs.push(dataDir);
    const db = await PgliteDatabase.open(dataDir);
    try {
      await migrate(db, loadMigrations().filter((m) => m.version < 15));
      let prev = '0'.repeat(64);
      for (let seq = 1; seq <= n; seq++) {
        const at = new Date(Date.now() - (n - seq) * 1000).toISOString();
        const details = { i: seq };
        const hash = rowHash(prev, canonicalRow(seq, at, 'usr_legacy', 'auth.login', null, details));
        await db.query(`INSERT INTO audit_log (seq, at, actor, action, target, details, prev_hash, hash) VALUES ($1, $2, 'usr_legacy', 'auth.login', NULL, $3::jsonb, $4, $5)`, [
          seq,
          at,
          JSON.stringify(details),
          prev,
          hash,
        ]);
        await db.query('UPDATE audit_head SET seq = $1, hash = $2', [seq, hash]);
        prev = hash;
      }
      await damage?.(db);
    } finally {
      await db.close();
    }
    return dataDir;
  }

  const open = (dataDir: string, env: Record<string, string> = {}) => testRuntime({ YZ_DATA_DIR: dataDir, YZ_WORKER: 'off', ...env }, { inMemory: false });

  it('re-chains every legacy row under the generated key at first start and records it', async () => {
    const dataDir = await legacyInstall(12);
    const rt = await open(dataDir);
    try {
      expect(rt.keySource).toBe('generated');
      expect(statSync(path.join(dataDir, 'master.key')).mode & 0o777).toBe(0o600);
      const report = await rt.audit.verify();
      expect(report).toMatchObject({ ok: true, rows: 13, checkpoint: { seq: 13 } });
      const { rows } = await rt.db.query<{ n: string }>('SELECT count(*) AS n FROM audit_log WHERE key_id IS NULL');
      expect(Number(rows[0].n)).toBe(0);
      const [rekey] = await new AuditLog().recent(rt.db, { action: 'audit.rekey', limit: 1 });
      expect(rekey).toMatchObject({ seq: 13, actor: 'system', details: { reason: 'upgrade', rows: 12, legacyVerified: true, legacyProblems: 0, legacyHead: { seq: 12 } } });
    } finally {
      await rt.close();
    }
    // A second start changes nothing.
    const again = await open(dataDir);
    try {
      expect(await again.audit.verify()).toMatchObject({ ok: true, rows: 13 });
      expect(again.keySource).toBe('data-dir');
    } finally {
      await again.close();
    }
  }, 120_000);

  it('records damage found in the legacy chain instead of laundering it', async () => {
    const dataDir = await legacyInstall(6, (db) => tamper(db, (tx) => tx.query(`UPDATE audit_log SET actor = 'someone' WHERE seq = 4`)));
    const rt = await open(dataDir);
    try {
      const [rekey] = await new AuditLog().recent(rt.db, { action: 'audit.rekey', limit: 1 });
      expect(rekey.details).toMatchObject({ legacyVerified: false, legacyProblems: 1 });
      expect(String(rekey.details.legacyFirstProblem)).toMatch(/row 4 edited/);
    } finally {
      await rt.close();
    }
  }, 120_000);

  it('refuses a head whose key was reset, and a process started with another key; rotation continues the chain', async () => {
    const dataDir = await legacyInstall(3);
    const first = await open(dataDir);
    const oldKey = readFileSync(path.join(dataDir, 'master.key'), 'utf8').split('\n').find((l) => /^[0-9a-f]{32}$/.test(l)) as string;
    await first.close();

    const stranger = await open(dataDir, { YZ_MASTER_KEY: randomBytes(16).toString('hex') }).catch((e) => e);
    expect(stranger).toMatchObject({ code: 'CONFIG_INVALID', field: 'YZ_MASTER_KEY' });
    expect(stranger.message).toMatch(/keyed under key id/);

    const newKey = randomBytes(16).toString('hex');
    const rotated = await open(dataDir, { YZ_MASTER_KEY: newKey, YZ_MASTER_KEYS_OLD: oldKey });
    try {
      const [rekey] = await new AuditLog().recent(rotated.db, { action: 'audit.rekey', limit: 1 });
      expect(rekey.details).toMatchObject({ reason: 'rotation', toKeyId: rotated.keyring.activeKeyId });
      await appendRows(rotated.db, 2);
      expect(await rotated.audit.verify()).toMatchObject({ ok: true });
      await tamper(rotated.db, (tx) => tx.query('UPDATE audit_head SET key_id = NULL'));
    } finally {
      await rotated.close();
    }
    const reset = await open(dataDir, { YZ_MASTER_KEY: newKey, YZ_MASTER_KEYS_OLD: oldKey }).catch((e) => e);
    expect(reset).toMatchObject({ code: 'AUDIT_TAMPERED' });
  }, 180_000);
});
