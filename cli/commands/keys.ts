import type { Command } from 'commander';
import { openAuditedDatabase } from '../../audit/index.ts';
import { AppError, type Keyring, loadConfig } from '../../core/index.ts';
import { countByKey, productEncryptedColumns, rotateKeys } from '../../keys/index.ts';
import type { Database } from '../../store/index.ts';
import { cliActor } from '../actor.ts';
import { fail, printJson } from '../output.ts';


/**
 * The keyring from the environment (checked first: a missing or malformed key fails before the
 * database is opened) and just the database (no runtime: no background jobs writing meanwhile).
 */
async function withDatabase(json: boolean, fn: (db: Database, keyring: Keyring) => Promise<void>): Promise<void> {
  let db: Database | undefined;
  try {
    // The configured key, or the data directory's generated key file (never created here).
    const opened = await openAuditedDatabase(loadConfig({ ...process.env, YZ_LOG_LEVEL: process.env.YZ_LOG_LEVEL ?? 'warn' }), { createKey: false });
    db = opened.db;
    await fn(db, opened.keyring);
    await db.close();
  } catch (e) {
    await db?.close().catch(() => undefined);
    fail(e, json);
  }
}

const positive = (v: string) => {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new AppError('VALIDATION_FAILED', '--batch-size must be a positive whole number', { field: 'batch-size' });
  return Number(v);
};

export async function keysRotateCommand(opts: { json?: boolean; batchSize?: string }): Promise<void> {
  const json = Boolean(opts.json);
  await withDatabase(json, async (db, keyring) => {
    const report = await rotateKeys(db, keyring, productEncryptedColumns().list(), {
      actor: cliActor(),
      batchSize: opts.batchSize ? positive(opts.batchSize) : undefined,
    });
    if (json) return printJson(report);
    for (const c of report.columns) {
      process.stdout.write(`${c.table}.${c.column}: ${c.values} 行 rows, 重新加密 re-encrypted ${c.rewritten}${c.reindexed !== undefined ? `, 盲索引重算 blind index recomputed ${c.reindexed}` : ''}\n`);
    }
    process.stdout.write(
      `已轮换 rotated: ${report.rewritten} 个值 values now under key ${report.activeKeyId} (${report.columns.length} columns, ${report.elapsedMs} ms)\n` +
        '旧密钥现在可以从 YZ_MASTER_KEYS_OLD / 密钥文件中删除 / the old keys can now be removed from YZ_MASTER_KEYS_OLD or the key file\n',
    );
  });
}

export async function keysStatusCommand(opts: { json?: boolean }): Promise<void> {
  const json = Boolean(opts.json);
  await withDatabase(json, async (db, keyring) => {
    const counts = await countByKey(db, productEncryptedColumns().list());
    if (json) return printJson({ activeKeyId: keyring.activeKeyId, loadedKeyIds: keyring.keyIds, columns: counts });
    process.stdout.write(`当前密钥 active key: ${keyring.activeKeyId}; 已加载 loaded: ${keyring.keyIds.join(', ')}\n`);
    if (!counts.length) process.stdout.write('（没有登记的加密列 / no encrypted columns registered）\n');
    for (const c of counts) {
      const parts = Object.entries(c.byKey).map(([id, n]) => `${id}${id === keyring.activeKeyId ? ' (active)' : keyring.has(id) ? ' (old)' : ' (NOT LOADED)'}: ${n}`);
      process.stdout.write(`${c.table}.${c.column}: ${parts.join(', ') || '0'}\n`);
    }
  });
}

/** `yingzhi keys …` — registered by cli/main.ts. */
export function registerKeysCommands(program: Command): void {
  const keys = program.command('keys').description('SM4 密钥 / encryption keys (YZ_MASTER_KEY, YZ_MASTER_KEYS_OLD, YZ_MASTER_KEY_FILE)');
  keys
    .command('rotate')
    .description('用当前主密钥重新加密所有加密列 / re-encrypt every encrypted column under the active master key')
    .option('--batch-size <n>', 'rows per transaction (default 500)')
    .option('--json', 'machine-readable output')
    .action((opts) => keysRotateCommand(opts));
  keys
    .command('status')
    .description('各加密列按密钥统计 / values per key id in every encrypted column')
    .option('--json', 'machine-readable output')
    .action((opts) => keysStatusCommand(opts));
}
