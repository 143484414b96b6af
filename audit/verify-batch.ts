import { keyLookupOf } from './chain-keys.ts';
import { type AuditProblem, ChainChecker, describeProblem } from './chain.ts';

/** One row as the batch query encodes it: seq, at (epoch ms), actor, action, target, details, prev_hash, hash, key_id. */
export type BatchRow = [number, number, string, string, string | null, unknown, string, string, string | null];

/** A batch to check: self-contained, so batches can be checked in any order, on any thread. */
export interface BatchTask {
  /** JSON array of BatchRow, in seq order. */
  json: string;
  /**
   * The row before this batch: { seq, hash }; `'first-row'` = the batch starts with the previous
   * batch's last row (re-read to link the batches), which anchors it and is not checked again;
   * null = trust the first row's seq and prev_hash (the start could not be anchored).
   */
  anchor: { seq: number; hash: string } | 'first-row' | null;
  /** Rows after this seq are outside the snapshot being verified. */
  bound: number;
  /** The chain head as recorded by the writer. */
  headSeq: number;
  maxProblems: number;
  /** Audit chain keys (hex by key id), passed along because a worker thread has no registry of its own. */
  keys: Record<string, string>;
  /** Rows without a key id are expected: a legacy chain checked before it is re-keyed. */
  legacy?: boolean;
}

export interface BatchResult {
  rows: number;
  firstSeq: number | null;
  lastSeq: number | null;
  lastHash: string | null;
  /** Hash of the row at the recorded head seq, when this batch holds it. */
  hashAtHead: string | null;
  problems: AuditProblem[];
  problemCount: number;
}

/** Check one batch of rows against its anchor (the CPU-heavy part of verify: JSON, canonical form, SM3). */
export function checkBatch(task: BatchTask): BatchResult {
  const rows = (JSON.parse(task.json) as BatchRow[] | null) ?? [];
  const linked = task.anchor === 'first-row';
  const anchor = linked ? (rows[0] ? { seq: rows[0][0], hash: rows[0][7] } : null) : task.anchor;
  const checker = new ChainChecker(anchor as { seq: number; hash: string } | null, {
    maxProblems: task.maxProblems,
    lookup: keyLookupOf(task.keys),
    legacy: task.legacy,
  });
  let hashAtHead: string | null = null;
  for (let i = linked ? 1 : 0; i < rows.length; i++) {
    const [seq, atMs, actor, action, target, details, prevHash, hash, keyId] = rows[i];
    if (seq > task.bound) break;
    if (seq > task.headSeq) checker.report('beyond_head', seq, describeProblem('beyond_head', seq, undefined, ` (head seq ${task.headSeq})`));
    checker.push({ seq, at: new Date(atMs).toISOString(), actor, action, target, details, prevHash, hash, keyId });
    if (seq === task.headSeq && hashAtHead === null) hashAtHead = hash;
  }
  return {
    rows: checker.rows,
    firstSeq: checker.firstSeq,
    lastSeq: checker.lastSeq,
    lastHash: checker.lastHash,
    hashAtHead,
    problems: checker.problems,
    problemCount: checker.problemCount,
  };
}
