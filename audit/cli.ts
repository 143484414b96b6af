import { createWriteStream, existsSync } from 'node:fs';
import { link, rm } from 'node:fs/promises';
import path from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { cliActor } from '../cli/actor.ts';
import { fail, printJson, progressBar } from '../cli/output.ts';
import { AppError, type Keyring, loadConfig, resolveKeyring } from '../core/index.ts';
import type { Database } from '../store/index.ts';
import { exportArchive, verifyArchive } from './archive.ts';
import { AuditLog, readHead } from './audit-log.ts';
import { checkpointDirOf, openAuditedDatabase } from './audited-database.ts';
import type { AuditProblem } from './chain.ts';
import { writeCheckpoint } from './checkpoint.ts';
import { purge, retentionDaysFromEnv } from './retention.ts';
import { verify } from './verify.ts';

interface AuditContext {
  db: Database;
  keyring: Keyring;
  /** The installation's checkpoint directory (YZ_AUDIT_CHECKPOINT_DIR or <dataDir>/audit-checkpoints). */
  checkpointDir: string;
}

const cliConfig = () => loadConfig({ ...process.env, YZ_LOG_LEVEL: process.env.YZ_LOG_LEVEL ?? 'warn' });

/**
 * Open just the database for an audit command, run `fn`, always close. (Lighter than the runtime
 * `cli/commands/query.ts` uses: no lexicon, embedder or job bookkeeping.) The installation key is read
 * first and never created here; `write` commands (export, purge, checkpoint) also key a chain not yet
 * keyed, while a verification writes nothing.
 */
async function withDatabase(json: boolean, fn: (ctx: AuditContext) => Promise<void>, opts: { write: boolean } = { write: true }): Promise<void> {
  let db: Database | undefined;
  try {
    const config = cliConfig();
    const opened = await openAuditedDatabase(config, { createKey: false, init: opts.write });
    db = opened.db;
    await fn({ db, keyring: opened.keyring, checkpointDir: checkpointDirOf(config) as string });
    await db.close();
  } catch (e) {
    await db?.close().catch(() => undefined);
    fail(e, json);
  }
}


const seqArg = (name: string) => (v: string) => {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new InvalidArgumentError(`${name} must be a positive whole number`);
  return Number(v);
};

const problemLine = (p: AuditProblem) => `  [${p.kind}] ${p.message}${p.detectedAt !== undefined ? ` (detected at row ${p.detectedAt})` : ''}`;

export async function auditVerifyCommand(opts: { json?: boolean; batchSize?: number; checkpoints?: string[] }): Promise<void> {
  const json = Boolean(opts.json);
  await withDatabase(json, async ({ db, checkpointDir }) => {
    const bar = progressBar('校验 verify', !json);
    let started = false;
    // A chain not yet keyed (the server has not started since the upgrade) is checked as the legacy SM3 chain it is.
    const legacy = (await readHead(db)).keyId === null;
    const report = await verify(db, {
      legacy,
      checkpoints: [checkpointDir, ...(opts.checkpoints ?? []).map((f) => path.resolve(f))],
      batchSize: opts.batchSize,
      onProgress: (n, total) => {
        if (!started) bar.start(total);
        started = true;
        bar.update(n);
      },
    });
    bar.stop();
    if (json) printJson(report);
    else {
      const from = report.anchor && report.anchor.seq > 0 ? ` (continues from purge anchor at seq ${report.anchor.seq})` : '';
      process.stdout.write(
        `审计日志 audit log: ${report.rows} 行 rows, seq ${report.firstSeq ?? '-'}–${report.lastSeq ?? '-'}${from}, 链头 chain head ${report.headHash}, ${report.elapsedMs} ms\n`,
      );
      if (report.checkpoint) {
        process.stdout.write(`检查点 checkpoint: seq ${report.checkpoint.seq} of ${report.checkpoint.at} (${report.checkpoint.checked} compared)\n`);
      }
      if (legacy) process.stdout.write('旧版未加密钥的链 legacy unkeyed chain: start the server once to key it (HMAC-SM3)\n');
      for (const w of report.warnings) process.stdout.write(`注意 warning: ${w}\n`);
      if (report.ok) process.stdout.write(`完整 intact: every ${legacy ? 'hash' : 'keyed hash (HMAC-SM3)'} and link verified\n`);
    }
    if (!report.ok) {
      if (!json) {
        process.stderr.write(`错误 error [AUDIT_TAMPERED]: ${report.problems[0]?.message ?? 'chain invalid'}\n`);
        for (const p of report.problems.slice(1, 20)) process.stderr.write(`${problemLine(p)}\n`);
        if (report.problemCount > 20) process.stderr.write(`  … ${report.problemCount - 20} more\n`);
      }
      process.exitCode = 2;
    }
  }, { write: false });
}

export async function auditExportCommand(file: string, opts: { json?: boolean; from?: number; to?: number }): Promise<void> {
  const json = Boolean(opts.json);
  await withDatabase(json, async ({ db, keyring }) => {
    const target = path.resolve(file);
    const partial = `${target}.partial`;
    const exists = () =>
      new AppError('VALIDATION_FAILED', `归档文件已存在，不会覆盖 / archive ${target} already exists and is never overwritten`, { field: 'file' });
    if (existsSync(target)) throw exists();
    // Never overwrite an archive: write to a temporary name opened exclusively, then hard-link it to
    // the final name (fails if that appeared meanwhile) — a reader never sees a half-written archive.
    const out = createWriteStream(partial, { flags: 'wx' });
    await new Promise<void>((resolve, reject) => {
      out.once('open', () => resolve());
      out.once('error', (e) => reject(new AppError('VALIDATION_FAILED', `无法创建 ${partial} / cannot create ${partial}: ${e.message}`, { field: 'file', cause: e })));
    });
    let trailer: Awaited<ReturnType<typeof exportArchive>>;
    try {
      trailer = await exportArchive(db, out, { from: opts.from, to: opts.to, keyring });
      await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
      await link(partial, target).catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'EEXIST') throw exists();
        throw new AppError('VALIDATION_FAILED', `无法写入 ${target} / cannot write ${target}: ${e.message}`, { field: 'file', cause: e });
      });
    } finally {
      out.destroy();
      await rm(partial, { force: true });
    }
    await new AuditLog().append(db, {
      actor: cliActor(),
      action: 'audit.archive',
      target,
      details: { rows: trailer.rows, firstSeq: trailer.firstSeq, lastSeq: trailer.lastSeq, chainHead: trailer.chainHead, signed: trailer.signature !== null },
    });
    if (json) return printJson({ file: target, ...trailer });
    process.stdout.write(`已导出 exported ${trailer.rows} 行 rows (seq ${trailer.firstSeq ?? '-'}–${trailer.lastSeq ?? '-'}) → ${target}\n链头 chain head ${trailer.chainHead ?? '-'}\n`);
    process.stdout.write(
      trailer.signature
        ? `已签名 signed: HMAC-SM3, key id ${trailer.keyId}\n`
        : '未签名 UNSIGNED: no master key configured (set YZ_MASTER_KEY or YZ_MASTER_KEY_FILE to sign archives)\n',
    );
  });
}

export async function auditVerifyArchiveCommand(file: string, opts: { json?: boolean }): Promise<void> {
  const json = Boolean(opts.json);
  try {
    const config = cliConfig();
    const { keyring } = resolveKeyring(config.masterKey, config.dataDir, { create: false });
    const report = await verifyArchive(path.resolve(file), { keyring });
    if (json) printJson(report);
    else {
      process.stdout.write(`归档 archive: ${report.rows} 行 rows, seq ${report.firstSeq ?? '-'}–${report.lastSeq ?? '-'}, 签名 signature ${report.signature}, ${report.elapsedMs} ms\n`);
      if (report.ok) process.stdout.write(report.signature === 'valid' ? '完整 intact, signature valid\n' : `链完整 chain intact; signature not verified (${report.signature})\n`);
    }
    if (!report.ok) {
      if (!json) {
        process.stderr.write(`错误 error [ARCHIVE_TAMPERED]: ${report.problems[0]?.message ?? 'archive invalid'}\n`);
        for (const p of report.problems.slice(1, 20)) process.stderr.write(`${problemLine(p)}\n`);
      }
      process.exitCode = 2;
    }
  } catch (e) {
    fail(e, json);
  }
}

export async function auditPurgeCommand(opts: { json?: boolean; olderThanDays: number }): Promise<void> {
  const json = Boolean(opts.json);
  await withDatabase(json, async ({ db }) => {
    const result = await purge(db, { olderThanDays: opts.olderThanDays, actor: cliActor(), minRetentionDays: retentionDaysFromEnv() });
    if (json) return printJson(result);
    process.stdout.write(
      result.purged
        ? `已清理 purged ${result.purged} 行 rows (seq ≤ ${result.throughSeq}, older than ${result.cutoff}); recorded as row ${result.purgeSeq}\n`
        : `无可清理记录 nothing older than ${result.cutoff}\n`,
    );
  });
}

export async function auditCheckpointCommand(opts: { json?: boolean; copy?: string[] }): Promise<void> {
  const json = Boolean(opts.json);
  await withDatabase(json, async ({ db, checkpointDir }) => {
    const copies = (opts.copy ?? []).map((f) => path.resolve(f));
    const cp = await writeCheckpoint(db, checkpointDir, { force: true, copies });
    if (json) return printJson({ checkpoint: cp, dir: checkpointDir, copies });
    if (!cp) return void process.stdout.write('审计日志为空，无需检查点 / the audit log is empty: nothing to anchor\n');
    process.stdout.write(`检查点 checkpoint: seq ${cp.seq}, 链头 head ${cp.hash}, key ${cp.keyId} → ${checkpointDir}${copies.length ? ` + ${copies.join(', ')}` : ''}\n`);
    process.stdout.write(`${JSON.stringify(cp)}\n`);
  });
}

/** `yingzhi audit …` — registered by cli/main.ts. */
export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('审计日志 / audit log (append-only, HMAC-SM3 keyed hash chain, signed checkpoints)');
  audit
    .command('verify')
    .description('校验哈希链，指出被修改、删除或插入的行 / verify the chain; exit 2 naming the first problem')
    .option('--batch-size <n>', 'rows per query', seqArg('--batch-size'))
    .option('--checkpoints <file>', 'also compare with this checkpoint file (a copy kept elsewhere; repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--json', 'machine-readable output')
    .action((opts) => auditVerifyCommand(opts));
  audit
    .command('checkpoint')
    .description('签名记录当前链头到检查点文件 / sign the chain head into the checkpoint file (and copies) now')
    .option('--copy <file>', 'append the same checkpoint to this file too, e.g. on another volume (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--json', 'machine-readable output')
    .action((opts) => auditCheckpointCommand(opts));
  audit
    .command('export')
    .description('导出归档（JSON 行 + 签名的链头）/ export an archive (JSON lines + signed chain head)')
    .argument('<file>')
    .option('--from <seq>', 'first seq', seqArg('--from'))
    .option('--to <seq>', 'last seq', seqArg('--to'))
    .option('--json', 'machine-readable output')
    .action((file: string, opts) => auditExportCommand(file, opts));
  audit
    .command('verify-archive')
    .description('校验归档文件及其签名 / verify an archive file and its signature')
    .argument('<file>')
    .option('--json', 'machine-readable output')
    .action((file: string, opts) => auditVerifyArchiveCommand(file, opts));
  audit
    .command('purge')
    .description('按保留期清理最旧的记录（≥180 天）/ retention purge of the oldest rows (≥ 180 days)')
    .requiredOption('--older-than-days <days>', 'purge rows older than this (≥ YZ_AUDIT_RETENTION_DAYS, min 180)', seqArg('--older-than-days'))
    .option('--json', 'machine-readable output')
    .action((opts) => auditPurgeCommand(opts));
}
