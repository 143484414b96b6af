import crypto from 'node:crypto';
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { AppError } from '../core/index.ts';
import { hmacSm3, type Keyring } from '../core/crypto/index.ts';
import type { Queryable } from '../store/index.ts';
import { AUDIT_COLUMNS, type AuditRowDb, readHead, toRecord } from './audit-log.ts';
import { type AuditProblem, type AuditRecord, ChainChecker } from './chain.ts';

export const ARCHIVE_FORMAT = 'yingzhi-audit-archive/v1';

/**
 * The last line of an archive. The signature is HMAC-SM3 under the keyring's MAC key (derived from
 * the master key, named by keyId) over the chain head *and* the range it closes — format, first seq,
 * the prev_hash the first row continues from, last seq, chain head, row count — so neither the end
 * nor the start of the archive can be cut off unnoticed. `signature: null` = exported without a key.
 */
export interface ArchiveTrailer {
  format: typeof ARCHIVE_FORMAT;
  chainHead: string | null;
  rows: number;
  firstSeq: number | null;
  lastSeq: number | null;
  startHash: string | null;
  algorithm: 'HMAC-SM3';
  keyId: string | null;
  signature: string | null;
  exportedAt: string;
}

function signedText(t: Pick<ArchiveTrailer, 'firstSeq' | 'startHash' | 'lastSeq' | 'chainHead' | 'rows'>): string {
  return [ARCHIVE_FORMAT, t.firstSeq ?? '', t.startHash ?? '', t.lastSeq ?? '', t.chainHead ?? '', t.rows].join('\n');
}

function sign(keyring: Keyring, keyId: string, t: Parameters<typeof signedText>[0]): string | null {
  const keys = keyring.keysFor(keyId);
  return keys ? hmacSm3(keys.mac, signedText(t)).toString('hex') : null;
}

async function write(out: NodeJS.WritableStream, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

export interface ExportOptions {
  /** First seq to export (default: the oldest row). */
  from?: number;
  /** Last seq to export (default: the chain head when the export starts). */
  to?: number;
  /** Signs the trailer with the active key; null/undefined = unsigned (`signature: null`). */
  keyring?: Keyring | null;
  batchSize?: number;
}

/**
 * Archive export: one JSON line per row (`seq, at, actor, action, target, details, prevHash, hash`)
 * in seq order, then the trailer line (see ArchiveTrailer). The stream is not ended: the caller owns
 * it. Returns the trailer.
 */
export async function exportArchive(db: Queryable, out: NodeJS.WritableStream, opts: ExportOptions = {}): Promise<ArchiveTrailer> {
  for (const [field, v] of [
    ['from', opts.from],
    ['to', opts.to],
  ] as const) {
    if (v !== undefined && (!Number.isSafeInteger(v) || v < 1)) {
      throw new AppError('VALIDATION_FAILED', `${field} 必须是正整数 / ${field} must be a positive whole number`, { field });
    }
  }
  const head = await readHead(db);
  const to = Math.min(opts.to ?? head.seq, head.seq);
  const batchSize = opts.batchSize ?? 20_000;
  let after = (opts.from ?? 1) - 1;
  let rows = 0;
  let first: AuditRecord | null = null;
  let last: AuditRecord | null = null;
  for (;;) {
    // Lower bound only (an index scan whatever the statistics); the upper bound is applied here.
    const { rows: batch } = await db.query<AuditRowDb>(
      `SELECT ${AUDIT_COLUMNS} FROM audit_log
       WHERE seq > $1 ORDER BY seq LIMIT $2`,
      [after, batchSize],
    );
    let chunk = '';
    let done = batch.length < batchSize;
    for (const r of batch) {
      const rec = toRecord(r);
      if (rec.seq > to) {
        done = true;
        break;
      }
      first ??= rec;
      last = rec;
      rows++;
      chunk += `${JSON.stringify(rec)}\n`;
    }
    if (chunk) await write(out, chunk);
    if (done) break;
    after = Number(batch[batch.length - 1].seq);
  }
  const keyId = opts.keyring?.activeKeyId ?? null;
  const range = { firstSeq: first?.seq ?? null, startHash: first?.prevHash ?? null, lastSeq: last?.seq ?? null, chainHead: last?.hash ?? null, rows };
  const trailer: ArchiveTrailer = {
    format: ARCHIVE_FORMAT,
    ...range,
    algorithm: 'HMAC-SM3',
    keyId,
    signature: opts.keyring && keyId ? sign(opts.keyring, keyId, range) : null,
    exportedAt: new Date().toISOString(),
  };
  await write(out, `${JSON.stringify(trailer)}\n`);
  return trailer;
}

export type SignatureStatus = 'valid' | 'invalid' | 'unsigned' | 'no-key' | 'unknown-key';

export interface ArchiveReport {
  ok: boolean;
  rows: number;
  firstSeq: number | null;
  lastSeq: number | null;
  chainHead: string | null;
  /** `valid`; `invalid` (tampered, or another key); `unsigned`; `no-key` (signed, but no keyring to check); `unknown-key`. */
  signature: SignatureStatus;
  keyId: string | null;
  problems: AuditProblem[];
  problemCount: number;
  elapsedMs: number;
}

function isRecordLine(v: unknown): v is AuditRecord {
  const r = v as AuditRecord;
  return (
    typeof v === 'object' &&
    v !== null &&
    Number.isSafeInteger(r.seq) &&
    typeof r.at === 'string' &&
    typeof r.actor === 'string' &&
    typeof r.action === 'string' &&
    (r.target === null || typeof r.target === 'string') &&
    typeof r.details === 'object' &&
    r.details !== null &&
    typeof r.prevHash === 'string' &&
    typeof r.hash === 'string' &&
    (r.keyId === undefined || r.keyId === null || typeof r.keyId === 'string')
  );
}

/**
 * Check an archive file offline: every row's hash and link (as `verify` does), the trailer against
 * the rows (count, first/last seq, start hash, chain head), and the signature. With a keyring an
 * unsigned archive fails (`requireSignature` defaults to true then): stripping the signature and
 * recomputing the chain is exactly what a forger would do.
 */
export async function verifyArchive(file: string, opts: { keyring?: Keyring | null; requireSignature?: boolean } = {}): Promise<ArchiveReport> {
  const t0 = performance.now();
  // Row hashes are keyed: without the keyring only the links (and the trailer) can be checked.
  const lookup = opts.keyring ? (id: string) => opts.keyring?.keysFor(id)?.audit : null;
  let rowChecker: ChainChecker | null = null;
  // Findings about lines that are not rows (malformed, after the trailer), merged in at the end.
  const notes = new ChainChecker(null, { lookup: null });
  let trailer: ArchiveTrailer | null = null;
  let firstPrev: string | null = null;
  let lineNo = 0;
  try {
    await stat(file);
  } catch (cause) {
    throw new AppError('NOT_FOUND', `找不到归档文件 / archive not found: ${file}`, { field: 'file', cause });
  }
  for await (const line of createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Number.POSITIVE_INFINITY })) {
    lineNo++;
    if (!line.trim()) continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      notes.report('malformed', null, `第 ${lineNo} 行不是 JSON / line ${lineNo} is not JSON`);
      continue;
    }
    if (trailer) {
      notes.report('trailer', null, `归档尾行之后还有内容 / line ${lineNo}: content after the trailer line`);
      continue;
    }
    if (typeof v === 'object' && v !== null && 'chainHead' in v) {
      trailer = v as ArchiveTrailer;
      continue;
    }
    if (!isRecordLine(v)) {
      notes.report('malformed', null, `第 ${lineNo} 行不是审计记录 / line ${lineNo} is not an audit row`);
      continue;
    }
    if (firstPrev === null) firstPrev = v.prevHash;
    // An archive exported before the chain was keyed (no keyId) is checked as the legacy SM3 chain it is.
    rowChecker ??= new ChainChecker(null, { lookup, legacy: v.keyId === undefined || v.keyId === null });
    rowChecker.push({ ...v, keyId: v.keyId ?? null });
  }
  const checker = rowChecker ?? notes;
  if (checker !== notes) for (const p of notes.problems) checker.report(p.kind, p.seq, p.message);

  let signature: SignatureStatus = 'unsigned';
  if (!trailer) {
    checker.report('trailer', null, '归档缺少尾行（链头与签名）/ archive has no trailer line (chain head and signature): truncated?');
  } else {
    const expect = { rows: checker.rows, firstSeq: checker.firstSeq, lastSeq: checker.lastSeq, startHash: firstPrev, chainHead: checker.lastHash };
    for (const k of Object.keys(expect) as (keyof typeof expect)[]) {
      if (trailer[k] !== expect[k]) {
        checker.report('trailer', null, `尾行 ${k} 与内容不符 / trailer ${k} is ${JSON.stringify(trailer[k])} but the rows give ${JSON.stringify(expect[k])}`);
      }
    }
    if (trailer.signature) {
      const keys = trailer.keyId ? opts.keyring?.keysFor(trailer.keyId) : undefined;
      if (!opts.keyring) signature = 'no-key';
      else if (!keys) signature = 'unknown-key';
      else {
        const want = hmacSm3(keys.mac, signedText(trailer));
        const got = Buffer.from(String(trailer.signature), 'hex');
        signature = got.length === want.length && crypto.timingSafeEqual(got, want) ? 'valid' : 'invalid';
      }
    }
  }
  const requireSignature = opts.requireSignature ?? Boolean(opts.keyring);
  if (signature === 'invalid') checker.report('signature', null, '归档签名无效 / archive signature does not match: the archive was altered or signed with another key');
  else if (requireSignature && signature !== 'valid') {
    checker.report('signature', null, `归档签名无法验证 (${signature}) / archive signature could not be verified (${signature})`);
  }
  return {
    ok: checker.problemCount === 0,
    rows: checker.rows,
    firstSeq: checker.firstSeq,
    lastSeq: checker.lastSeq,
    chainHead: checker.lastHash,
    signature,
    keyId: trailer?.keyId ?? null,
    problems: checker.problems,
    problemCount: checker.problemCount,
    elapsedMs: Math.round(performance.now() - t0),
  };
}
