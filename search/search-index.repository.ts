import { yieldToEventLoop } from '../core/index.ts';
import type { Database, Queryable } from '../store/index.ts';
import { buildSegment, mergePostings } from './postings.ts';

/** Segments of a level are merged once there are this many of them (tiered compaction). */
export const MERGE_FANOUT = 8;
/**
 * Posting rows read per step of a merge. Each step's read and write are synchronous stretches in PGlite: at 20,000 rows
 * the final fold of a 1,000-page book held the event loop for 340 ms on a quiet machine (over a second on a busy one).
 */
const MERGE_PAGE = 5_000;
/** Advisory-lock key of compaction: one compactor at a time across processes. */
const COMPACT_LOCK = 7_114_203;

export interface TermPostings {
  term: string;
  /** Chunks containing the term, over all segments (deleted chunks count until their segments merge). */
  df: number;
  lists: Uint8Array[];
}

/**
 * SQL of the posting-list index (store/migrations/023): segments, their lists, deleted chunks, the
 * tokenizer version, and corpus statistics. Writers append segments in their own transactions; only
 * compaction rewrites, under an advisory lock.
 */
export class SearchIndexRepository {
  /** Write one segment for chunks just inserted (in the caller's transaction). */
  async writeSegment(tx: Queryable, chunks: Array<{ seq: number; lexemes: string[] }>, level = 0): Promise<void> {
    if (chunks.length === 0) return;
    const rows = buildSegment(chunks);
    await this.insertSegment(tx, level, chunks.length, rows);
  }

  private async insertSegment(tx: Queryable, level: number, docs: number, rows: Array<{ term: string; df: number; data: Uint8Array }>): Promise<void> {
    const { rows: seg } = await tx.query<{ id: string }>('INSERT INTO search_segments (level, docs) VALUES ($1, $2) RETURNING id', [level, docs]);
    if (rows.length === 0) return;
    await tx.query(
      `INSERT INTO search_postings (term, segment_id, df, data)
       SELECT r.term, $1, r.df, r.data FROM unnest($2::text[], $3::int[], $4::bytea[]) AS r(term, df, data)`,
      [seg[0].id, rows.map((r) => r.term), rows.map((r) => r.df), rows.map((r) => r.data)],
    );
  }

  /** Posting lists of the given terms, grouped by term; absent terms are left out. */
  async postings(db: Queryable, terms: string[]): Promise<Map<string, TermPostings>> {
    const out = new Map<string, TermPostings>();
    if (terms.length === 0) return out;
    const { rows } = await db.query<{ term: string; df: number; data: Uint8Array }>('SELECT term, df, data FROM search_postings WHERE term = ANY($1::text[])', [terms]);
    for (const r of rows) {
      let t = out.get(r.term);
      if (!t) {
        t = { term: r.term, df: 0, lists: [] };
        out.set(r.term, t);
      }
      t.df += r.df;
      t.lists.push(r.data instanceof Uint8Array ? r.data : new Uint8Array(r.data));
    }
    return out;
  }

  /** How many chunks hold each term (summed over segments), without reading the posting lists. */
  async documentFrequencies(db: Queryable, terms: string[]): Promise<Map<string, number>> {
    if (terms.length === 0) return new Map();
    const { rows } = await db.query<{ term: string; df: number }>('SELECT term, SUM(df)::int AS df FROM search_postings WHERE term = ANY($1::text[]) GROUP BY term', [terms]);
    return new Map(rows.map((r) => [r.term, r.df]));
  }

  async corpusStats(db: Queryable): Promise<{ n: number; avgdl: number }> {
    const { rows } = await db.query<{ n: number; total: number }>('SELECT n_chunks::int AS n, total_tokens::float8 AS total FROM corpus_stats WHERE id = 1');
    const n = rows[0]?.n ?? 0;
    return { n, avgdl: Math.max(1, (rows[0]?.total ?? 0) / Math.max(1, n)) };
  }

  async adjustCorpus(tx: Queryable, chunks: number, tokens: number): Promise<void> {
    await tx.query('UPDATE corpus_stats SET n_chunks = n_chunks + $1, total_tokens = total_tokens + $2 WHERE id = 1', [chunks, tokens]);
  }

  async markDeleted(tx: Queryable, seqs: number[]): Promise<void> {
    if (seqs.length) await tx.query('INSERT INTO search_deleted (seq) SELECT unnest($1::bigint[]) ON CONFLICT DO NOTHING', [seqs]);
  }

  async version(db: Queryable): Promise<string> {
    const { rows } = await db.query<{ version: string }>('SELECT version FROM search_index_meta WHERE id = 1');
    return rows[0]?.version ?? 'none';
  }

  /** Drop every segment and set the version: the start of a rebuild (in the caller's transaction). */
  async reset(tx: Queryable, version: string): Promise<void> {
    await tx.query('DELETE FROM search_postings');
    await tx.query('DELETE FROM search_segments');
    await tx.query('DELETE FROM search_deleted');
    await tx.query('UPDATE corpus_stats SET n_chunks = 0, total_tokens = 0 WHERE id = 1');
    await tx.query('UPDATE search_index_meta SET version = $1 WHERE id = 1', [version]);
  }

  /**
   * Merge segments tier by tier: while some level has MERGE_FANOUT segments, merge the oldest of them
   * into one segment of the next level (deleted chunks dropped). Each merge is one transaction under an
   * advisory lock; a process that finds the lock taken leaves the work to its holder. Returns merges done.
   */
  async compact(db: Database, opts: { all?: boolean } = {}): Promise<number> {
    let merges = 0;
    let folded = false;
    for (;;) {
      const merged = await db.transaction(async (tx) => {
        const { rows: lock } = await tx.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS ok', [COMPACT_LOCK]);
        if (!lock[0]?.ok) return false;
        const { rows: levels } = await tx.query<{ level: number; n: number }>(
          'SELECT level, count(*)::int AS n FROM search_segments GROUP BY level ORDER BY level',
        );
        const full = levels.find((l) => l.n >= MERGE_FANOUT);
        const total = levels.reduce((n, l) => n + l.n, 0);
        const { rows: deleted } = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM search_deleted');
        const foldAll = !full && opts.all && (total > 1 || (total === 1 && deleted[0].n > 0));
        if (!full && !foldAll) return false;
        // A full level merges its oldest MERGE_FANOUT segments; `all` then folds whatever is left into one.
        const { rows: segs } = full
          ? await tx.query<{ id: string; docs: number }>('SELECT id, docs FROM search_segments WHERE level = $1 ORDER BY id LIMIT $2', [full.level, MERGE_FANOUT])
          : await tx.query<{ id: string; docs: number }>('SELECT id, docs FROM search_segments ORDER BY id');
        const level = full ? full.level + 1 : Math.max(...levels.map((l) => l.level)) + 1;
        await this.mergeInto(tx, segs.map((s) => s.id), level, segs.reduce((n, s) => n + s.docs, 0));
        // Every list has been rewritten without the deleted chunks: their record is no longer needed.
        if (foldAll) await tx.query('DELETE FROM search_deleted');
        folded = Boolean(foldAll);
        return !foldAll;
      });
      if (!merged) break;
      merges++;
      // A long compaction (a bulk load's hundreds of segments) lets later merges reuse the space of earlier ones.
      if (merges % MERGE_FANOUT === 0) await this.reclaim(db, false);
    }
    if (merges > 0 || folded) await this.reclaim(db, folded);
    return merges;
  }

  /**
   * Give back the space of the lists a merge replaced. Every merge rewrites its segments' lists and deletes the old
   * rows; PGlite has no autovacuum, so without this the table only grows (measured: 457 MB for ~15 MB of live lists at
   * 20k chunks). A plain VACUUM after tiered merges lets the next merges reuse the space (no lock that blocks readers);
   * after folding everything into one segment, VACUUM FULL rewrites the table to its live size (a brief exclusive lock
   * on the postings: on a server, searches wait for it). VACUUM cannot run in a transaction, hence here, after them.
   */
  private async reclaim(db: Database, full: boolean): Promise<void> {
    await db.exec(full ? 'VACUUM (FULL) search_postings, search_segments, search_deleted' : 'VACUUM search_postings, search_segments, search_deleted');
  }

  /** Bytes of the posting-list index on disk (tables, their TOAST and indexes): what compaction must keep bounded. */
  async sizeBytes(db: Queryable): Promise<number> {
    const { rows } = await db.query<{ n: string }>(
      "SELECT (pg_total_relation_size('search_postings') + pg_total_relation_size('search_segments') + pg_total_relation_size('search_deleted'))::bigint AS n",
    );
    return Number(rows[0].n);
  }

  /** Merge segments into a new one, term range by term range (bounded memory), then drop them. */
  private async mergeInto(tx: Queryable, segmentIds: string[], level: number, docs: number): Promise<void> {
    const { rows: dead } = await tx.query<{ seq: string }>('SELECT seq FROM search_deleted');
    const deadSet = new Set(dead.map((d) => Number(d.seq)));
    const { rows: seg } = await tx.query<{ id: string }>('INSERT INTO search_segments (level, docs) VALUES ($1, $2) RETURNING id', [level, docs]);
    let after = '';
    for (;;) {
      const { rows } = await tx.query<{ term: string; data: Uint8Array }>(
        `SELECT term, data FROM search_postings WHERE segment_id = ANY($1::bigint[]) AND term > $2 ORDER BY term, segment_id LIMIT ${MERGE_PAGE}`,
        [segmentIds, after],
      );
      if (rows.length === 0) break;
      // The API answers between the read and the write (the transaction only holds the database, not the loop).
      await yieldToEventLoop();
      // A full page may end inside a term's rows: that term is read again with the next page.
      const last = rows.length === MERGE_PAGE ? rows[rows.length - 1].term : null;
      const page = last !== null && rows[0].term !== last ? rows.filter((r) => r.term !== last) : rows;
      const byTerm = new Map<string, Uint8Array[]>();
      for (const r of page) {
        const list = byTerm.get(r.term);
        if (list) list.push(r.data);
        else byTerm.set(r.term, [r.data]);
      }
      const merged: Array<{ term: string; df: number; data: Uint8Array }> = [];
      for (const [term, lists] of byTerm) {
        const m = mergePostings(lists, deadSet);
        if (m.df > 0) merged.push({ term, ...m });
      }
      if (merged.length) {
        await tx.query(
          `INSERT INTO search_postings (term, segment_id, df, data)
           SELECT r.term, $1, r.df, r.data FROM unnest($2::text[], $3::int[], $4::bytea[]) AS r(term, df, data)`,
          [seg[0].id, merged.map((r) => r.term), merged.map((r) => r.df), merged.map((r) => r.data)],
        );
      }
      after = page[page.length - 1].term;
      if (rows.length < MERGE_PAGE) break;
      await yieldToEventLoop();
    }
    // No foreign key (migration 082): a segment's rows go with it, in this transaction.
    await tx.query('DELETE FROM search_postings WHERE segment_id = ANY($1::bigint[])', [segmentIds]);
    await tx.query('DELETE FROM search_segments WHERE id = ANY($1::bigint[])', [segmentIds]);
  }
}
