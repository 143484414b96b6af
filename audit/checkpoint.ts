import crypto from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { AppError } from '../core/index.ts';
import { hmacSm3 } from '../core/crypto/index.ts';
import type { Queryable } from '../store/index.ts';
import { readHead, writerKey } from './audit-log.ts';
import { auditKey } from './chain-keys.ts';
import type { AuditProblem } from './chain.ts';

export const CHECKPOINT_FORMAT = 'yingzhi-audit-checkpoint/v1';
/** The append-only file in the checkpoint directory. */
export const CHECKPOINT_FILE = 'audit-checkpoints.jsonl';

/**
 * A signed record of the chain head at one moment, kept outside the database: whoever rewrites or cuts
 * the log afterwards cannot make it agree with every checkpoint without the key *and* the files.
 * `mac` = HMAC-SM3(audit key `keyId`, format ‖ seq ‖ hash ‖ at ‖ keyId), one JSON line each.
 */
export interface Checkpoint {
  format: typeof CHECKPOINT_FORMAT;
  seq: number;
  hash: string;
  at: string;
  keyId: string;
  host: string;
  mac: string;
}

const signedText = (c: Pick<Checkpoint, 'seq' | 'hash' | 'at' | 'keyId'>) => [CHECKPOINT_FORMAT, c.seq, c.hash, c.at, c.keyId].join('\n');

/** The checkpoint file of a directory, or the path itself when it names a file. */
export function checkpointFileOf(dirOrFile: string): string {
  return existsSync(dirOrFile) && statSync(dirOrFile).isFile() ? dirOrFile : path.join(dirOrFile, CHECKPOINT_FILE);
}

function lastLine(file: string): string | null {
  if (!existsSync(file)) return null;
  const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
  return lines[lines.length - 1] || null;
}

export interface CheckpointWriteOptions {
  /** Write even when the head has not moved since the last checkpoint in the file. */
  force?: boolean;
  /** Further files to append the same line to (e.g. a copy on another volume). */
  copies?: string[];
}

/**
 * Sign the current chain head and append it to `<dir>/audit-checkpoints.jsonl` (created 0600, the
 * directory 0700; O_APPEND, so concurrent writers never interleave a line). Returns null when the
 * head has not moved since the file's last checkpoint (unless `force`). An empty log has no head to sign.
 */
export async function writeCheckpoint(db: Queryable, dir: string, opts: CheckpointWriteOptions = {}): Promise<Checkpoint | null> {
  const head = await readHead(db);
  if (head.seq === 0) return null;
  const { keyId, key } = writerKey(head);
  const file = checkpointFileOf(dir);
  if (!opts.force) {
    const last = lastLine(file);
    try {
      const prev = last ? (JSON.parse(last) as Partial<Checkpoint>) : null;
      if (prev && prev.seq === head.seq && prev.hash === head.hash) return null;
    } catch {
      // a damaged last line: write a fresh checkpoint after it; verify reports the damage
    }
  }
  const body = { seq: head.seq, hash: head.hash, at: new Date().toISOString(), keyId };
  const cp: Checkpoint = { format: CHECKPOINT_FORMAT, ...body, host: hostname(), mac: hmacSm3(key, signedText(body)).toString('hex') };
  const line = `${JSON.stringify(cp)}\n`;
  for (const target of [file, ...(opts.copies ?? [])]) {
    try {
      mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
      appendFileSync(target, line, { mode: 0o600, flag: 'a' });
    } catch (e) {
      throw new AppError('CONFIG_INVALID', `无法写入审计检查点 ${target} / cannot write the audit checkpoint ${target}: ${(e as Error).message}`, {
        field: 'YZ_AUDIT_CHECKPOINT_DIR',
        cause: e,
      });
    }
  }
  return cp;
}

export interface CheckpointRead {
  /** Checkpoints whose MAC verified, in file order. */
  valid: Checkpoint[];
  problems: AuditProblem[];
  warnings: string[];
}

function macOk(c: Checkpoint, key: Buffer): boolean {
  const want = hmacSm3(key, signedText(c));
  const got = Buffer.from(String(c.mac), 'hex');
  return got.length === want.length && crypto.timingSafeEqual(got, want);
}

/** Read and authenticate checkpoint files: a line with a wrong MAC is a forgery (a problem); an unknown key only a warning. */
export function readCheckpoints(files: string[]): CheckpointRead {
  const out: CheckpointRead = { valid: [], problems: [], warnings: [] };
  for (const file of files) {
    if (!existsSync(file)) continue;
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (!line.trim()) return;
      const where = `${path.basename(file)} 第 ${i + 1} 行 / line ${i + 1} of ${file}`;
      let c: Checkpoint;
      try {
        c = JSON.parse(line) as Checkpoint;
      } catch {
        out.problems.push({ kind: 'checkpoint', seq: null, message: `${where}: 不是 JSON / not JSON` });
        return;
      }
      if (c?.format !== CHECKPOINT_FORMAT || !Number.isSafeInteger(c.seq) || typeof c.hash !== 'string' || typeof c.keyId !== 'string' || typeof c.at !== 'string') {
        out.problems.push({ kind: 'checkpoint', seq: null, message: `${where}: 不是审计检查点 / not an audit checkpoint` });
        return;
      }
      const key = auditKey(c.keyId);
      if (!key) {
        out.warnings.push(`${where}: 检查点密钥 ${c.keyId} 未加载，未校验 / signed with key ${c.keyId}, which is not loaded: not checked`);
        return;
      }
      if (!macOk(c, key)) {
        out.problems.push({ kind: 'checkpoint', seq: c.seq, message: `${where}: 签名无效（伪造或被改动的检查点）/ MAC does not verify: a forged or altered checkpoint` });
        return;
      }
      out.valid.push(c);
    });
  }
  return out;
}

/** What verify found, for the comparison. */
export interface ChainState {
  firstSeq: number | null;
  lastSeq: number | null;
  recordedHeadSeq: number;
  anchor: { seq: number; hash: string } | null;
}

export interface CheckpointComparison {
  latest: Checkpoint | null;
  checked: number;
  problems: AuditProblem[];
  warnings: string[];
}

/**
 * Compare the log with every authentic checkpoint: the log must still reach the latest one (else rows
 * were cut from the end and the head moved back), and each checkpointed row still present must carry
 * the checkpointed hash (else the chain was rewritten after the checkpoint, even with the key).
 */
export async function compareWithCheckpoints(db: Queryable, state: ChainState, files: string[]): Promise<CheckpointComparison> {
  const read = readCheckpoints(files);
  const out: CheckpointComparison = { latest: null, checked: 0, problems: [...read.problems], warnings: [...read.warnings] };
  if (read.valid.length === 0) {
    if (read.problems.length === 0) {
      out.warnings.push(`没有审计检查点（${files.join(', ') || '未配置'}）：无法发现从末尾截断的行 / no audit checkpoint found: rows cut from the end cannot be detected`);
    }
    return out;
  }
  const latest = read.valid.reduce((a, b) => (b.seq > a.seq || (b.seq === a.seq && b.at > a.at) ? b : a));
  out.latest = latest;
  const end = Math.max(state.lastSeq ?? 0, 0);
  if (end < latest.seq || state.recordedHeadSeq < latest.seq) {
    const from = Math.min(end, state.recordedHeadSeq) + 1;
    out.problems.push({
      kind: 'truncated',
      seq: from,
      toSeq: latest.seq > from ? latest.seq : undefined,
      message: `第 ${from}–${latest.seq} 行被从末尾截断 / rows ${from}–${latest.seq} cut from the end: the checkpoint of ${latest.at} recorded the chain head at seq ${latest.seq}, the log now ends at ${end}${state.recordedHeadSeq !== end ? ` (head ${state.recordedHeadSeq})` : ''}`,
    });
  }
  // The hash each remaining checkpointed seq must carry (the purge anchor stands for the last purged row).
  const wanted = new Map<number, Checkpoint>();
  for (const c of read.valid) {
    const inLog = state.firstSeq !== null && c.seq >= state.firstSeq && c.seq <= end;
    if (inLog || (state.anchor && c.seq === state.anchor.seq)) wanted.set(c.seq, c);
  }
  const seqs = [...wanted.keys()].sort((a, b) => a - b);
  let mismatches = 0;
  for (let i = 0; i < seqs.length; i += 5000) {
    const part = seqs.slice(i, i + 5000);
    const { rows } = await db.query<{ seq: number | string; hash: string }>('SELECT seq, hash FROM audit_log WHERE seq = ANY($1::bigint[])', [part]);
    const found = new Map(rows.map((r) => [Number(r.seq), r.hash]));
    if (state.anchor) found.set(state.anchor.seq, state.anchor.hash);
    for (const seq of part) {
      const c = wanted.get(seq) as Checkpoint;
      const hash = found.get(seq);
      out.checked++;
      if (hash === undefined || hash === c.hash) continue; // a missing row is reported by the chain check
      mismatches++;
      if (mismatches === 1) {
        out.problems.push({
          kind: 'checkpoint_mismatch',
          seq,
          message: `第 ${seq} 行与 ${c.at} 的检查点不符：检查点之后日志被重写（重新链接）/ row ${seq} does not match the checkpoint of ${c.at}: the chain was rewritten (re-chained) after that checkpoint`,
        });
      }
    }
  }
  if (mismatches > 1) out.problems.push({ kind: 'checkpoint_mismatch', seq: null, message: `另有 ${mismatches - 1} 个检查点不符 / ${mismatches - 1} more checkpoints do not match` });
  return out;
}
