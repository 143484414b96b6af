import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { Runtime } from '../runtime/index.ts';
import { indexText } from '../search/index.ts';
import { BigramBm25 } from './baseline/bigram-bm25.ts';

const DIR = fileURLToPath(new URL('./retrieval/', import.meta.url));

export const RetrievalQuerySchema = z.object({
  id: z.string(),
  query: z.string().min(1),
  expected: z.array(z.object({ doc: z.string(), page: z.number().int().min(1) })).min(1),
  note: z.string().optional(),
});
export type RetrievalQuery = z.infer<typeof RetrievalQuerySchema>;

/** The authored retrieval set: Chinese questions with the document and page that answer them. */
export function loadRetrievalQueries(dir = DIR): RetrievalQuery[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .flatMap((f) =>
      readFileSync(path.join(dir, f), 'utf8')
        .split('\n')
        .filter((l) => l.trim())
        .map((l, i) => {
          const parsed = RetrievalQuerySchema.safeParse(JSON.parse(l));
          if (!parsed.success) throw new Error(`${f}:${i + 1}: ${parsed.error.issues[0]?.message}`);
          return parsed.data;
        }),
    );
}

const RESIDENT_FILE = fileURLToPath(new URL('./resident/questions.jsonl', import.meta.url));

/**
 * The resident question set (evals/resident/, the answers suite's authored set) as retrieval queries: the
 * answerable questions of a split, relevant = a result from the expected document covering an expected page.
 */
export function loadResidentQueries(split: 'dev' | 'heldout' | 'all', file = RESIDENT_FILE): Array<RetrievalQuery & { type: string }> {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { id: string; question: string; split: string; type: string; expectedPages?: Array<{ doc: string; page: number }>; expectRefusal?: boolean })
    .filter((q) => !q.expectRefusal && q.expectedPages?.length && (split === 'all' || q.split === split))
    .map((q) => ({ id: q.id, query: q.question, type: q.type, expected: q.expectedPages ?? [] }));
}

export interface RetrievalScore {
  mode: 'bm25' | 'vector' | 'hybrid' | 'baseline';
  queries: number;
  recallAt5: number;
  recallAt10: number;
  mrr: number;
  misses: string[];
  /** 1-based rank of the first relevant hit per query (null: not in the top 10). */
  ranks: Array<{ id: string; rank: number | null }>;
}

/**
 * Recall@k and MRR: a hit is relevant when it comes from the expected document (file stem) and its
 * page range covers an expected page.
 */
export async function evaluateRetrieval(rt: Runtime, queries: RetrievalQuery[], mode: RetrievalScore['mode']): Promise<RetrievalScore> {
  const stemOf = new Map<string, string>();
  for (const s of (await rt.sources.list({ limit: 1000 })).items) stemOf.set(s.id, s.fileName.replace(/\.(md|pdf|html?|txt)$/i, ''));
  const baseline = mode === 'baseline' ? await baselineOver(rt) : null;
  let r5 = 0;
  let r10 = 0;
  let rr = 0;
  const misses: string[] = [];
  const ranks: RetrievalScore['ranks'] = [];
  for (const q of queries) {
    const hits = baseline ? baseline.search(q.query) : (await rt.search.search({ q: q.query, top: 10, mode: mode as Exclude<typeof mode, 'baseline'> })).results;
    const rank = hits.findIndex((h) =>
      q.expected.some((e) => stemOf.get(h.sourceId) === e.doc && e.page >= h.pageStart && e.page <= h.pageEnd),
    );
    ranks.push({ id: q.id, rank: rank >= 0 ? rank + 1 : null });
    if (rank >= 0 && rank < 5) r5++;
    if (rank >= 0) {
      r10++;
      rr += 1 / (rank + 1);
    } else misses.push(q.id);
  }
  const n = queries.length;
  return { mode, queries: n, recallAt5: r5 / n, recallAt10: r10 / n, mrr: rr / n, misses, ranks };
}

/** The bigram-BM25 baseline over the runtime's own chunks, answering with the fields a hit is judged by. */
export async function baselineOver(rt: Runtime): Promise<{ search(q: string): Array<{ sourceId: string; pageStart: number; pageEnd: number; text: string }> }> {
  const { rows } = await rt.db.query<{ id: string; source_id: string; heading_path: string[]; text: string; page_start: number; page_end: number }>(
    `SELECT c.id, c.source_id, c.heading_path, c.text, c.page_start, c.page_end FROM chunks c JOIN sources s ON s.id = c.source_id
     WHERE s.status = 'ready' AND s.superseded_by IS NULL ORDER BY c.source_id, c.ordinal`,
  );
  const byId = new Map(rows.map((r) => [r.id, { sourceId: r.source_id, pageStart: r.page_start, pageEnd: r.page_end, text: r.text }]));
  const index = new BigramBm25(rows.map((r) => ({ id: r.id, text: indexText(r.heading_path, r.text) })));
  return { search: (q) => index.search(q, 10).map((h) => byId.get(h.id) as NonNullable<ReturnType<typeof byId.get>>) };
}
