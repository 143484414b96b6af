import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog, initAuditChain, verify } from '../audit/index.ts';
import { type AppError, decryptField, encryptField, fieldKeyId, Keyring } from '../core/index.ts';
import { countByKey, EncryptedColumns, productEncryptedColumns, rotateKeys } from '../keys/index.ts';
import { type Database, migrate, PgliteDatabase } from '../store/index.ts';
import { onEveryDatabase } from './helpers/databases.ts';

const exec = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '..');
const keyA = randomBytes(16);
const keyB = randomBytes(16);
const keyC = randomBytes(16);
const ringA = new Keyring(keyA);
/** After rotation day: B encrypts, A still decrypts. */
const ringBA = new Keyring(keyB, [keyA]);

/** Two capabilities' columns: a token per row, and a JSON config with a nested secret. */
const columns = new EncryptedColumns().register(
  { table: 't_patients', key: 'id', column: 'mrn', kind: 'text', owner: 'test' },
  { table: 't_connectors', key: 'id', column: 'config', kind: 'json', owner: 'test' },
);

async function rejection(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    return e as AppError;
  }
  throw new Error('expected a rejection');
}

onEveryDatabase('keys rotate', (name, open, teardown) => {
  describe(`key rotation: ${name}`, () => {
    let db: Database;
    beforeAll(async () => {
      db = await open();
      await migrate(db);
      await initAuditChain(db, ringA); // the installation before rotation day
      await db.exec(`CREATE TABLE t_patients (id text PRIMARY KEY, mrn text);
        CREATE TABLE t_connectors (id int PRIMARY KEY, name text NOT NULL, config jsonb NOT NULL)`);
    });
    afterAll(async () => {
      await db?.close();
      await teardown?.();
    });
    beforeEach(async () => {
      await db.exec('DELETE FROM t_patients; DELETE FROM t_connectors');
      for (let i = 0; i < 7; i++) {
        await db.query('INSERT INTO t_patients (id, mrn) VALUES ($1, $2)', [`p${i}`, i === 3 ? null : encryptField(`MRN-${i} 张三`, ringA)]);
      }
      await db.query('INSERT INTO t_connectors (id, name, config) VALUES (1, $1, $2::jsonb), (2, $3, $4::jsonb)', [
        'pacs',
        JSON.stringify({ kind: 'pacs', qidoUrl: 'http://pacs/qido', auth: { username: 'u', secret: encryptField('pacs-pw', ringA) } }),
        'ris',
        JSON.stringify({ kind: 'ris', url: 'http://ris' }),
      ]);
    });

    const mrns = async () => (await db.query<{ id: string; mrn: string | null }>('SELECT id, mrn FROM t_patients ORDER BY id')).rows;
    const pacsSecret = async () => (await db.query<{ s: string }>(`SELECT config->'auth'->>'secret' AS s FROM t_connectors WHERE id = 1`)).rows[0]!.s;

    it('re-encrypts every token of every registered column under the active key, in batches, and audits key.rotate', async () => {
      const report = await rotateKeys(db, ringBA, columns.list(), { actor: 'cli:tester', batchSize: 2 });
      expect(report.rewritten).toBe(7);
      expect(report.columns).toMatchObject([
        { table: 't_patients', column: 'mrn', values: 6, rewritten: 6, byKey: { [ringA.activeKeyId]: 6 } },
        { table: 't_connectors', column: 'config', values: 2, rewritten: 1 },
      ]);
      const ringB = new Keyring(keyB);
      for (const r of await mrns()) {
        if (r.id === 'p3') expect(r.mrn).toBeNull();
        else expect(decryptField(r.mrn!, ringB)).toBe(`MRN-${r.id.slice(1)} 张三`);
      }
      expect(decryptField(await pacsSecret(), ringB)).toBe('pacs-pw');
      const other = await db.query<{ config: unknown }>('SELECT config FROM t_connectors WHERE id = 2');
      expect(other.rows[0]!.config).toEqual({ kind: 'ris', url: 'http://ris' });
      expect(await countByKey(db, columns.list())).toEqual([
        { table: 't_patients', column: 'mrn', byKey: { [ringB.activeKeyId]: 6 } },
        { table: 't_connectors', column: 'config', byKey: { [ringB.activeKeyId]: 1 } },
      ]);
      const [audit] = await new AuditLog().recent(db, { action: 'key.rotate', limit: 1 });
      expect(audit).toMatchObject({ actor: 'cli:tester', target: `key:${ringB.activeKeyId}`, details: { rewritten: 7 } });
      expect(JSON.stringify(audit!.details)).not.toContain('张三');
      expect((await verify(db)).ok).toBe(true);

      // Running it again is a no-op: every token already is on the active key.
      const again = await rotateKeys(db, ringBA, columns.list(), { actor: 'cli:tester' });
      expect(again.rewritten).toBe(0);
    });

    it('wrong master key: a clear CONFIG_INVALID naming the unknown key id, and nothing is written', async () => {
      const before = await mrns();
      const ringC = new Keyring(keyC);
      const e = await rejection(rotateKeys(db, ringC, columns.list(), { actor: 'cli:tester' }));
      expect(e.code).toBe('CONFIG_INVALID');
      expect(e.message).toContain(ringA.activeKeyId);
      expect(e.message).toMatch(/wrong master key/);
      expect(e.message).toContain('t_patients.mrn: 6');
      expect(await mrns()).toEqual(before);
      expect(fieldKeyId(await pacsSecret())).toBe(ringA.activeKeyId);
    });

    it('never takes a value as plaintext: a non-token in an encrypted column stops the rotation before any write', async () => {
      await db.query(`UPDATE t_patients SET mrn = 'MRN-5 王五' WHERE id = 'p5'`);
      const before = await mrns();
      const e = await rejection(rotateKeys(db, ringBA, columns.list(), { actor: 'cli:tester' }));
      expect(e.code).toBe('VALIDATION_FAILED');
      expect(e.message).toContain('t_patients.mrn (id = p5)');
      expect(e.message).not.toContain('王五');
      expect(await mrns()).toEqual(before);
    });

    it('a tampered token fails its integrity check; its batch rolls back', async () => {
      const token = encryptField('MRN-9', ringA);
      const parts = token.split(':');
      parts[3] = Buffer.from(Buffer.from(parts[3]!, 'base64').map((b, i) => (i === 0 ? b ^ 1 : b))).toString('base64');
      await db.query(`UPDATE t_patients SET mrn = $1 WHERE id = 'p0'`, [parts.join(':')]);
      const e = await rejection(rotateKeys(db, ringBA, columns.list(), { actor: 'cli:tester', batchSize: 3 }));
      expect(e.code).toBe('VALIDATION_FAILED');
      expect(e.message).toMatch(/integrity/);
      const rows = await mrns();
      expect(rows.filter((r) => r.mrn).every((r) => fieldKeyId(r.mrn!) === ringA.activeKeyId)).toBe(true);
    });
  });
});

describe('EncryptedColumns registry', () => {
  it('refuses identifiers that are not plain lower-case names, and duplicates', () => {
    const reg = new EncryptedColumns();
    expect(() => reg.register({ table: 'x; DROP TABLE y', key: 'id', column: 'c', kind: 'text', owner: 't' })).toThrow(/identifier/);
    expect(() => reg.register({ table: 'a', key: 'id', column: 'C"', kind: 'text', owner: 't' })).toThrow(/identifier/);
    reg.register({ table: 'a', key: 'id', column: 'c', kind: 'text', owner: 't' });
    expect(() => reg.register({ table: 'a', key: 'id', column: 'c', kind: 'json', owner: 't' })).toThrow(/twice/);
  });
});

/** The test process's environment without a database URL or any master key. */
function withoutKeys(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of ['DATABASE_URL', 'YZ_MASTER_KEY', 'YZ_MASTER_KEY_FILE', 'YZ_MASTER_KEYS_OLD']) delete env[k];
  return env;
}

describe('yingzhi keys (CLI)', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'yz-keys-'));
  const cli = (args: string[], env: Record<string, string | undefined>) =>
    exec('node', [path.join(ROOT, 'cli/bin.mjs'), ...args], {
      cwd: ROOT,
      env: { ...withoutKeys(), YZ_DATA_DIR: dataDir, YZ_LOG_LEVEL: 'silent', ...env },
    }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );

  it('without a master key: a clear error and exit 2', async () => {
    const r = await cli(['keys', 'rotate'], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/CONFIG_INVALID.*YZ_MASTER_KEY/);
  });

  it('the product registry holds the connector secrets and the case patient identifiers with their blind index', () => {
    expect(productEncryptedColumns().list()).toEqual(expect.arrayContaining([
      expect.objectContaining({ table: 'connectors', column: 'secrets', kind: 'json' }),
      expect.objectContaining({ table: 'cases', column: 'patient_ref', kind: 'text', blindIndex: expect.objectContaining({ column: 'patient_key' }) }),
    ]));
    const of = () => '';
    expect(() => new EncryptedColumns().register({ table: 't', key: 'id', column: 'c', kind: 'json', owner: 'x', blindIndex: { column: 'k', of } })).toThrow(/text/);
    expect(() => new EncryptedColumns().register({ table: 't', key: 'id', column: 'c', kind: 'text', owner: 'x', blindIndex: { column: 'k; DROP', of } })).toThrow(/identifier/);
  });

  it('rotates connector secrets; a wrong master key is refused; key.rotate is audited as the OS user', async () => {
    const db = await PgliteDatabase.open(dataDir);
    await migrate(db);
    await db.query(`INSERT INTO connectors (id, name, kind, config, secrets, created_by) VALUES ('con_1', 'pacs', 'pacs', '{}', $1::jsonb, 'test')`, [
      JSON.stringify({ secret: encryptField('pacs-pw', ringA) }),
    ]);
    await db.close();

    const wrong = await cli(['keys', 'rotate'], { YZ_MASTER_KEY: keyC.toString('hex') });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/CONFIG_INVALID.*wrong master key.*connectors\.secrets: 1/);

    const r = await cli(['keys', 'rotate', '--json'], { YZ_MASTER_KEY: keyB.toString('hex'), YZ_MASTER_KEYS_OLD: keyA.toString('hex') });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ activeKeyId: ringBA.activeKeyId, rewritten: 1 });
    const status = await cli(['keys', 'status'], { YZ_MASTER_KEY: keyB.toString('hex') });
    expect(status.stdout).toContain(`connectors.secrets: ${ringBA.activeKeyId} (active): 1`);
    // The chain moved to key B with the rotation (audit.rekey) and verifies under it (A still loaded as old).
    const verified = JSON.parse((await cli(['audit', 'verify', '--json'], { YZ_MASTER_KEY: keyB.toString('hex'), YZ_MASTER_KEYS_OLD: keyA.toString('hex') })).stdout);
    expect(verified).toMatchObject({ ok: true, rows: 1 });

    const after = await PgliteDatabase.open(dataDir);
    const { rows } = await after.query<{ s: string }>(`SELECT secrets->>'secret' AS s FROM connectors WHERE id = 'con_1'`);
    await after.close();
    expect(decryptField(rows[0]!.s, new Keyring(keyB))).toBe('pacs-pw');
  }, 90_000);
});
