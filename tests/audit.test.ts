import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type AuditRecord,
  AuditLog,
  canonicalJson,
  canonicalRow,
  exportArchive,
  GENESIS_HASH,
  initAuditChain,
  purge,
  recordHash,
  retentionDaysFromEnv,
  rowHash,
  rowMac,
  verify,
  verifyArchive,
} from '../audit/index.ts';
import { Keyring, resolveKeyring, writeKeyFile } from '../core/crypto/index.ts';
import { type Database, migrate, PgliteDatabase } from '../store/index.ts';
import { tamper } from './helpers/audit.ts';
import { onEveryDatabase } from './helpers/databases.ts';

const exec = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '..');
const DAY = 86_400_000;
const log = new AuditLog();
/** The installation key of the suites below; the chain of each database is keyed under it. */
const KEYRING = new Keyring(randomBytes(16));

async function reset(db: Database): Promise<void> {
  await tamper(db, (tx) => tx.exec(`DELETE FROM audit_log; UPDATE audit_head SET seq = 0, hash = repeat('0', 64)`));
}

/** n appended rows with varied actors, actions, targets and details. */
async function appendRows(db: Database, n: number): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  const actions = ['auth.login', 'review.approve', 'data.export', 'source.delete'] as const;
  for (let i = 0; i < n; i++) {
    out.push(
      await log.append(db, {
        actor: `usr_${i % 3}`,
        action: actions[i % actions.length],
        target: i % 4 === 0 ? null : `src_${i}`,
        details: { i, ip: '10.0.0.7', reason: i % 2 ? '复核通过' : undefined, nested: { z: 1, a: [i, { y: true, b: null }] } },
      }),
    );
  }
  return out;
}

const firstProblem = async (db: Database, opts = {}) => {
  const report = await verify(db, opts);
  expect(report.ok).toBe(false);
  return { report, p: report.problems[0] };
};

function auditSuite(name: string, open: () => Promise<Database>, teardown?: () => Promise<void>): void {
  describe(`audit log: ${name}`, () => {
    let db: Database;
    beforeAll(async () => {
      db = await open();
      await migrate(db);
      await initAuditChain(db, KEYRING);
    });
    afterAll(async () => {
      await db?.close();
      await teardown?.();
    });
    beforeEach(() => reset(db));

    it('appends a gapless chain keyed with HMAC-SM3 whose hashes recompute only with the key, and verifies it', async () => {
      const rows = await appendRows(db, 6);
      expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(rows[0].prevHash).toBe(GENESIS_HASH);
      for (let i = 1; i < rows.length; i++) expect(rows[i].prevHash).toBe(rows[i - 1].hash);
      for (const r of rows) {
        expect(r.keyId).toBe(KEYRING.activeKeyId);
        expect(r.hash).toBe(recordHash(r));
        // Not the unkeyed SM3 anyone could recompute.
        expect(r.hash).not.toBe(rowHash(r.prevHash, canonicalRow(r.seq, r.at, r.actor, r.action, r.target, r.details)));
        expect(r.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      }
      expect(rows[1].details).toEqual({ i: 1, ip: '10.0.0.7', reason: '复核通过', nested: { z: 1, a: [1, { y: true, b: null }] } });
      expect('reason' in rows[0].details).toBe(false); // undefined dropped, as jsonb would
      const report = await verify(db);
      expect(report).toMatchObject({ ok: true, rows: 6, firstSeq: 1, lastSeq: 6, headHash: rows[5].hash, problems: [], problemCount: 0 });
      expect(report.recordedHead).toEqual({ seq: 6, hash: rows[5].hash });
      expect(await log.recent(db, { limit: 2 })).toEqual([rows[5], rows[4]]);
    });

    it('commits the audit row with the audited action and rolls back with it', async () => {
      await expect(
        db.transaction(async (tx) => {
          await log.append(tx, { actor: 'usr_1', action: 'source.delete', target: 'src_x' });
          throw new Error('action failed');
        }),
      ).rejects.toThrow('action failed');
      expect((await log.head(db)).seq).toBe(0);
      await db.transaction((tx) => log.append(tx, { actor: 'usr_1', action: 'source.delete', target: 'src_x' }));
      expect(await verify(db)).toMatchObject({ ok: true, rows: 1 });
    });

    it('rejects a bad entry naming the field', async () => {
      await expect(log.append(db, { actor: 'usr_1', action: 'bogus' as 'auth.login' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', field: 'action' });
      await expect(log.append(db, { actor: ' ', action: 'auth.login' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', field: 'actor' });
      await expect(log.append(db, { actor: 'a', action: 'auth.login', details: { s: 'nul\u0000' } })).rejects.toMatchObject({ field: 'details' });
      expect((await log.head(db)).seq).toBe(0);
    });

    it('refuses UPDATE, DELETE and TRUNCATE at the database level', async () => {
      await appendRows(db, 3);
      await expect(db.query(`UPDATE audit_log SET actor = 'x' WHERE seq = 2`)).rejects.toThrow(/append-only/);
      await expect(db.query('DELETE FROM audit_log WHERE seq = 2')).rejects.toThrow(/append-only/);
      await expect(db.exec('TRUNCATE audit_log')).rejects.toThrow(/append-only/);
      await expect(db.query('UPDATE audit_head SET seq = 1 WHERE id = 1')).rejects.toThrow(/only moves forward/);
      await expect(db.query('DELETE FROM audit_head')).rejects.toThrow(/only moves forward/);
      // The purge setting allows DELETE only of rows past the 180-day floor, and never UPDATE.
      await expect(
        db.transaction(async (tx) => {
          await tx.query(`SELECT set_config('yingzhi.audit_purge', 'on', true)`);
          await tx.query('DELETE FROM audit_log WHERE seq = 1');
        }),
      ).rejects.toThrow(/younger than 180 days/);
      await expect(
        db.transaction(async (tx) => {
          await tx.query(`SELECT set_config('yingzhi.audit_purge', 'on', true)`);
          await tx.query(`UPDATE audit_log SET actor = 'x' WHERE seq = 1`);
        }),
      ).rejects.toThrow(/append-only/);
      expect(await verify(db)).toMatchObject({ ok: true, rows: 3 });
    });

    it('names an edited row, also when the attacker recomputed its hash without the key, or with it', async () => {
      const rows = await appendRows(db, 10);
      await tamper(db, (tx) => tx.query(`UPDATE audit_log SET details = details || '{"ip": "6.6.6.6"}' WHERE seq = 4`));
      let { report, p } = await firstProblem(db);
      expect(p).toMatchObject({ kind: 'edited', seq: 4 });
      expect(p.message).toMatch(/row 4 edited/);
      expect(report.problemCount).toBe(1);

      // Without the key the attacker can only compute the unkeyed SM3 hash: the row stays edited.
      const { rows: r4 } = await db.query<{ details: Record<string, unknown> }>('SELECT details FROM audit_log WHERE seq = 4');
      const edited = { ...rows[3], details: r4[0].details };
      const sm3Only = rowHash(edited.prevHash, canonicalRow(4, edited.at, edited.actor, edited.action, edited.target, edited.details));
      await tamper(db, (tx) => tx.query('UPDATE audit_log SET hash = $1 WHERE seq = 4', [sm3Only]));
      ({ report, p } = await firstProblem(db));
      expect(p).toMatchObject({ kind: 'edited', seq: 4 });
      // … and passing it off as a legacy (unkeyed) row is named as such.
      await tamper(db, (tx) => tx.query('UPDATE audit_log SET key_id = NULL WHERE seq = 4'));
      ({ report, p } = await firstProblem(db));
      expect(p).toMatchObject({ kind: 'unkeyed', seq: 4 });

      // With the key, row 4 becomes self-consistent; row 5 no longer links to it.
      await tamper(db, (tx) => tx.query('UPDATE audit_log SET key_id = $1, hash = $2 WHERE seq = 4', [KEYRING.activeKeyId, recordHash(edited)]));
      ({ report, p } = await firstProblem(db));
      expect(p).toMatchObject({ kind: 'chain_break', seq: 4, detectedAt: 5 });
      expect(p.message).toMatch(/row 4 missing or altered/);
      expect(report.problemCount).toBe(1);
    });

    it('names a deleted row: from the middle, from the end, and with the gap renumbered away', async () => {
      await appendRows(db, 10);
      await tamper(db, (tx) => tx.query('DELETE FROM audit_log WHERE seq = 6'));
      let { report, p } = await firstProblem(db);
      expect(p).toMatchObject({ kind: 'missing', seq: 6, detectedAt: 7 });
      expect(report.problemCount).toBe(1);

      await tamper(db, (tx) => tx.query('DELETE FROM audit_log WHERE seq = 10'));
      report = await verify(db);
      expect(report.problems.map((x) => [x.kind, x.seq])).toEqual([
        ['missing', 6],
        ['missing', 10],
      ]);
      expect(report.problems[1].message).toMatch(/cut from the end/);

      await reset(db);
      await appendRows(db, 10);
      // Close the gap: rows 7–10 become 6–9 and the head is set back, as a careful attacker would.
      await tamper(db, async (tx) => {
        await tx.query('DELETE FROM audit_log WHERE seq = 6');
        await tx.query('UPDATE audit_log SET seq = seq + 999999 WHERE seq > 6'); // two steps: the key stays unique
        await tx.query('UPDATE audit_log SET seq = seq - 1000000 WHERE seq > 1000000');
        await tx.query('UPDATE audit_head SET seq = 9, hash = (SELECT hash FROM audit_log WHERE seq = 9)');
      });
      ({ report, p } = await firstProblem(db));
      expect(p).toMatchObject({ kind: 'missing', seq: 6 });
      expect(p.message).toMatch(/renumbered/);
    });

    it('names an inserted row: renumbered in, appended past the head, or a duplicate seq', async () => {
      const rows = await appendRows(db, 10);
      // A forged row 5 chained correctly onto row 4; rows 5–10 pushed to 6–11.
      // (The attacker here even holds the key: the structure alone gives the insertion away.)
      const keyId = KEYRING.activeKeyId;
      const fake = { seq: 5, at: rows[4].at, actor: 'usr_0', action: 'review.approve', target: 'src_fake', details: { forged: true }, prevHash: rows[3].hash, keyId };
      const fakeHash = recordHash(fake);
      await tamper(db, async (tx) => {
        await tx.query('UPDATE audit_log SET seq = seq + 1000001 WHERE seq >= 5');
        await tx.query('UPDATE audit_log SET seq = seq - 1000000 WHERE seq > 1000000');
        await tx.query(
          `INSERT INTO audit_log (seq, at, actor, action, target, details, prev_hash, hash, key_id) VALUES (5, $1, $2, $3, $4, $5::jsonb, $6, $7, $8)`,
          [fake.at, fake.actor, fake.action, fake.target, JSON.stringify(fake.details), fake.prevHash, fakeHash, keyId],
        );
        await tx.query('UPDATE audit_head SET seq = 11, hash = (SELECT hash FROM audit_log WHERE seq = 11)');
      });
      let { report, p } = await firstProblem(db);
      expect(p).toMatchObject({ kind: 'inserted', seq: 5, detectedAt: 6 });
      expect(p.message).toMatch(/row 5 inserted/);
      expect(report.problems[1]).toMatchObject({ kind: 'renumbered', seq: 7, toSeq: 11 });

      await reset(db);
      const again = await appendRows(db, 3);
      const tail = { seq: 4, at: again[2].at, actor: 'usr_0', action: 'auth.login', target: null, details: {}, prevHash: again[2].hash, keyId };
      await tamper(db, (tx) =>
        tx.query(`INSERT INTO audit_log (seq, at, actor, action, target, details, prev_hash, hash, key_id) VALUES (4, $1, $2, $3, NULL, '{}', $4, $5, $6)`, [
          tail.at,
          tail.actor,
          tail.action,
          tail.prevHash,
          recordHash(tail),
          keyId,
        ]),
      );
      ({ p } = await firstProblem(db));
      expect(p).toMatchObject({ kind: 'beyond_head', seq: 4 });

      await reset(db);
      await appendRows(db, 5);
      try {
        await db.exec('ALTER TABLE audit_log DROP CONSTRAINT audit_log_pkey');
        await tamper(db, (tx) =>
          tx.query(
            `INSERT INTO audit_log (seq, at, actor, action, target, details, prev_hash, hash, key_id)
             SELECT seq, at, actor, action, target, '{"forged": true}', prev_hash, hash, key_id FROM audit_log WHERE seq = 3`,
          ),
        );
        report = await verify(db, { batchSize: 3 });
        expect(report.ok).toBe(false);
        expect(report.problems.find((x) => x.kind === 'duplicate')).toMatchObject({ seq: 3 });
        expect(report.problems.every((x) => x.seq === 3)).toBe(true);
      } finally {
        await reset(db);
        await db.exec('ALTER TABLE audit_log ADD PRIMARY KEY (seq)');
      }
    });

    it('finds the same problems across batch boundaries, inline and on worker threads', async () => {
      await appendRows(db, 40);
      for (const workers of [0, 2]) expect(await verify(db, { batchSize: 7, workers })).toMatchObject({ ok: true, rows: 40, workers });
      await tamper(db, async (tx) => {
        await tx.query(`UPDATE audit_log SET actor = 'someone else' WHERE seq IN (14, 15, 16)`); // 14|15 is a boundary at batch size 7
        await tx.query('DELETE FROM audit_log WHERE seq = 29');
      });
      for (const workers of [0, 2]) {
        const report = await verify(db, { batchSize: 7, workers });
        expect(report.problems.map((x) => [x.kind, x.seq, x.toSeq])).toEqual([
          ['edited', 14, 16],
          ['missing', 29, undefined],
        ]);
      }
    });

    it('keeps one gapless chain under 50 concurrent appends', async () => {
      await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          i % 5 === 0
            ? log.append(db, { actor: `usr_${i}`, action: 'job.retry', target: `job_${i}` })
            : db.transaction(async (tx) => {
                await tx.query('SELECT 1');
                return log.append(tx, { actor: `usr_${i}`, action: 'job.cancel', target: `job_${i}`, details: { i } });
              }),
        ),
      );
      const { rows } = await db.query<{ seq: number }>('SELECT seq FROM audit_log ORDER BY seq');
      expect(rows.map((r) => Number(r.seq))).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect(await verify(db)).toMatchObject({ ok: true, rows: 50, problemCount: 0 });
    });

    it('purges only past the retention floor and keeps the chain verifiable from the purge anchor', async () => {
      const now = Date.now();
      await log.appendImported(
        db,
        Array.from({ length: 15 }, (_, i) => ({ at: new Date(now - (i < 10 ? 400 : 200) * DAY + i * 1000), actor: 'usr_old', action: 'auth.login' as const })),
      );
      await appendRows(db, 5);
      expect(await verify(db)).toMatchObject({ ok: true, rows: 20 });

      await expect(purge(db, { olderThanDays: 179, actor: 'admin', minRetentionDays: 180 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', field: 'olderThanDays' });
      await expect(purge(db, { olderThanDays: 365, actor: 'admin', minRetentionDays: 90 })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
      await expect(purge(db, { olderThanDays: 365, actor: 'admin', minRetentionDays: 400 })).rejects.toMatchObject({ field: 'olderThanDays' });
      expect(() => retentionDaysFromEnv({ YZ_AUDIT_RETENTION_DAYS: '90' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', field: 'YZ_AUDIT_RETENTION_DAYS' }));
      expect(() => retentionDaysFromEnv({ YZ_AUDIT_RETENTION_DAYS: 'forever' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
      expect(retentionDaysFromEnv({ YZ_AUDIT_RETENTION_DAYS: '365' })).toBe(365);
      expect(retentionDaysFromEnv({})).toBe(180);

      const first = await purge(db, { olderThanDays: 365, actor: 'admin', minRetentionDays: 180 });
      expect(first).toMatchObject({ purged: 10, throughSeq: 10, purgeSeq: 21 });
      let report = await verify(db);
      expect(report).toMatchObject({ ok: true, rows: 11, firstSeq: 11, lastSeq: 21, anchor: { seq: 10, hash: first.throughHash, purgeSeq: 21 } });
      const [purgeRow] = await log.recent(db, { limit: 1, action: 'audit.purge' });
      expect(purgeRow).toMatchObject({ actor: 'admin', details: { throughSeq: 10, rows: 10, olderThanDays: 365 } });

      expect(await purge(db, { olderThanDays: 365, actor: 'admin', minRetentionDays: 180 })).toMatchObject({ purged: 0, purgeSeq: null });
      const second = await purge(db, { olderThanDays: 190, actor: 'admin', minRetentionDays: 180 });
      expect(second).toMatchObject({ purged: 5, throughSeq: 15, purgeSeq: 22 });
      report = await verify(db);
      expect(report).toMatchObject({ ok: true, firstSeq: 16, anchor: { seq: 15, purgeSeq: 22 } });

      // Deleting the first remaining row outside a purge is still caught against the anchor.
      await tamper(db, (tx) => tx.query('DELETE FROM audit_log WHERE seq = 16'));
      const { p } = await firstProblem(db);
      expect(p).toMatchObject({ kind: 'missing', seq: 16 });
    });

    it('names a prefix deleted without a purge record', async () => {
      await appendRows(db, 6);
      await tamper(db, (tx) => tx.query('DELETE FROM audit_log WHERE seq <= 2'));
      const { report, p } = await firstProblem(db);
      expect(p).toMatchObject({ kind: 'missing', seq: 1, toSeq: 2 });
      expect(p.message).toMatch(/no audit\.purge record/);
      expect(report.anchor).toBeNull();
      expect(report.problemCount).toBe(1);
    });

    it('exports a signed archive that verifies, and detects tampering with it', async () => {
      const rows = await appendRows(db, 12);
      // The installation key signs the trailer and keyed the rows.
      const keyring = KEYRING;
      const dir = mkdtempSync(path.join(tmpdir(), 'yz-audit-archive-'));
      const file = path.join(dir, 'audit.jsonl');
      const write = async (f: string, opts: Parameters<typeof exportArchive>[2]) => {
        const out = createWriteStream(f);
        const trailer = await exportArchive(db, out, opts);
        await new Promise<void>((resolve) => out.end(resolve));
        return trailer;
      };
      const trailer = await write(file, { keyring, batchSize: 5 });
      expect(trailer).toMatchObject({ rows: 12, firstSeq: 1, lastSeq: 12, chainHead: rows[11].hash, startHash: GENESIS_HASH, keyId: keyring.activeKeyId });
      expect(trailer.signature).toMatch(/^[0-9a-f]{64}$/);
      const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
      expect(lines).toHaveLength(13);
      expect(JSON.parse(lines[3])).toEqual(rows[3]);
      expect(await verifyArchive(file, { keyring })).toMatchObject({ ok: true, rows: 12, signature: 'valid', chainHead: rows[11].hash });
      // Without any keyring only links and the trailer can be checked.
      expect(await verifyArchive(file)).toMatchObject({ ok: true, signature: 'no-key' });

      const part = path.join(dir, 'part.jsonl');
      expect(await write(part, { keyring, from: 4, to: 9 })).toMatchObject({ rows: 6, firstSeq: 4, lastSeq: 9, startHash: rows[2].hash });
      expect(await verifyArchive(part, { keyring })).toMatchObject({ ok: true, rows: 6, signature: 'valid' });

      const unsigned = path.join(dir, 'unsigned.jsonl');
      expect((await write(unsigned, {})).signature).toBeNull();
      expect(await verifyArchive(unsigned)).toMatchObject({ ok: true, signature: 'unsigned' });
      expect(await verifyArchive(unsigned, { keyring })).toMatchObject({ ok: false, signature: 'unsigned' });

      const variant = (name: string, edit: (ls: string[]) => string[]) => {
        const f = path.join(dir, name);
        writeFileSync(f, `${edit([...lines]).join('\n')}\n`);
        return verifyArchive(f, { keyring });
      };
      const edited = await variant('edited.jsonl', (ls) => {
        const r = JSON.parse(ls[6]);
        r.details.ip = '6.6.6.6';
        ls[6] = JSON.stringify(r);
        return ls;
      });
      expect(edited.ok).toBe(false);
      expect(edited.problems[0]).toMatchObject({ kind: 'edited', seq: 7 });

      const swapped = await variant('swapped.jsonl', (ls) => {
        [ls[2], ls[3]] = [ls[3], ls[2]];
        return ls;
      });
      expect(swapped.ok).toBe(false);
      expect(swapped.problems[0].seq).toBe(3);

      const dropped = await variant('dropped.jsonl', (ls) => ls.filter((_, i) => i !== 4));
      expect(dropped.problems[0]).toMatchObject({ kind: 'missing', seq: 5 });

      // Cut the last row and fix the trailer up: only the signature can tell.
      const cut = await variant('cut.jsonl', (ls) => {
        const t = JSON.parse(ls[12]);
        return [...ls.slice(0, 11), JSON.stringify({ ...t, rows: 11, lastSeq: 11, chainHead: rows[10].hash })];
      });
      expect(cut).toMatchObject({ ok: false, signature: 'invalid' });
      expect(cut.problems.map((x) => x.kind)).toEqual(['signature']);

      const noTrailer = await variant('no-trailer.jsonl', (ls) => ls.slice(0, 12));
      expect(noTrailer.problems[0]).toMatchObject({ kind: 'trailer' });
      const stranger = await verifyArchive(file, { keyring: new Keyring(randomBytes(16)) });
      expect(stranger.signature).toBe('unknown-key');
      expect(stranger.problems[0]).toMatchObject({ kind: 'unknown_key', seq: 1, toSeq: 12 });
      await expect(verifyArchive(path.join(dir, 'absent.jsonl'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });
  });
}

describe('audit canonical form', () => {
  it('sorts keys at every level and matches the hand-written row form', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 'x' }], c: null }, u: undefined })).toBe('{"a":{"c":null,"d":[1,{"e":"x","f":2}]},"b":1}');
    const details = { z: '中文', a: [1, 2.5, -0], m: { y: true, x: false } };
    const row = { seq: 7, at: '2026-01-02T03:04:05.678Z', actor: 'usr_1', action: 'review.merge', target: null, details };
    expect(canonicalRow(row.seq, row.at, row.actor, row.action, row.target, row.details)).toBe(canonicalJson(row));
  });

  it('pins the hash of a known row (changing the format would orphan every existing chain)', () => {
    const row = { seq: 1, at: '2026-01-01T00:00:00.000Z', actor: 'usr_1', action: 'auth.login', target: null, details: { ip: '10.0.0.1' }, prevHash: GENESIS_HASH, keyId: null };
    const canonical = canonicalRow(row.seq, row.at, row.actor, row.action, row.target, row.details);
    expect(canonical).toBe('{"action":"auth.login","actor":"usr_1","at":"2026-01-01T00:00:00.000Z","details":{"ip":"10.0.0.1"},"seq":1,"target":null}');
    // Legacy rows: SM3(prev_hash hex ‖ canonical row), computed independently with `openssl dgst -sm3` too.
    expect(recordHash(row)).toBe('eb6335de7e4174436a67e567baf7bd144c278a9bd44fa0dae6384d0f67c72f04');
    // Keyed rows: HMAC-SM3(key, prev_hash hex ‖ canonical row); with the key 32 × 0x0b, as `openssl dgst -sm3 -mac HMAC -macopt hexkey:0b0b…` gives.
    expect(rowMac(Buffer.alloc(32, 0x0b), GENESIS_HASH, canonical)).toBe('bfee896269727964bc826fef3606f54fd5c5a0201c20d33465cdf9cfad2ef1f9');
  });
});

onEveryDatabase('audit log', auditSuite);

describe('yingzhi audit CLI', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'yz-audit-cli-'));
  const { DATABASE_URL: _embedded, ...env } = process.env;
  const cli = (args: string[]) =>
    exec('node', [path.join(ROOT, 'cli/bin.mjs'), 'audit', ...args], { cwd: ROOT, env: { ...env, YZ_DATA_DIR: dataDir, YZ_LOG_LEVEL: 'silent' } }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );

  beforeAll(async () => {
    // The installation as a first start leaves it: a generated key file, a keyed chain.
    writeKeyFile(path.join(dataDir, 'master.key'));
    const db = await PgliteDatabase.open(dataDir);
    try {
      await migrate(db);
      await initAuditChain(db, resolveKeyring({}, dataDir).keyring);
      await appendRows(db, 5);
    } finally {
      await db.close();
    }
  });

  it('exits 0 on an intact log and 2 naming the tampered row', async () => {
    const intact = await cli(['verify', '--json']);
    expect(intact.code).toBe(0);
    expect(JSON.parse(intact.stdout)).toMatchObject({ ok: true, rows: 5 });

    const db = await PgliteDatabase.open(dataDir);
    try {
      await tamper(db, (tx) => tx.query(`UPDATE audit_log SET target = 'src_other' WHERE seq = 3`));
    } finally {
      await db.close();
    }
    const json = await cli(['verify', '--json']);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, problems: [{ kind: 'edited', seq: 3 }] });
    const text = await cli(['verify']);
    expect(text.code).toBe(2);
    expect(text.stderr.trim().split('\n')).toHaveLength(1);
    expect(text.stderr).toMatch(/AUDIT_TAMPERED.*row 3 edited/);
  }, 180_000); // three CLI processes (tsx start-up each)

  it('exports an archive once and refuses to overwrite it', async () => {
    const file = path.join(dataDir, 'archive.jsonl');
    const first = await cli(['export', file, '--json']);
    expect(first.code).toBe(0);
    // Signed with the installation key (the generated key file).
    expect(JSON.parse(first.stdout)).toMatchObject({ rows: 5, signature: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const again = await cli(['export', file]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists/);
    const checked = await cli(['verify-archive', file, '--json']);
    // The archive holds the tampered row 3 as it was exported: named there too.
    expect(checked.code).toBe(2);
    expect(JSON.parse(checked.stdout).problems[0]).toMatchObject({ kind: 'edited', seq: 3 });
  }, 180_000);
});
