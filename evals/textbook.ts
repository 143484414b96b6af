import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { z } from 'zod';
import { rng } from '../bench/random.ts';
import { createLogger, loadConfig, normalizeText } from '../core/index.ts';
import { createRuntime, type Runtime } from '../runtime/index.ts';
import { indexText, type SearchRequest } from '../search/index.ts';
import { BigramBm25 } from './baseline/bigram-bm25.ts';
import { CORPUS_FILE, QUESTIONS_FILE, type TextbookQuestion } from './textbook/build.ts';

const exec = promisify(execFile);
const ROOT = fileURLToPath(new URL('../', import.meta.url));

const QuestionSchema = z.object({
  id: z.string(),
  question: z.string().min(1),
  disease: z.string(),
  attribute: z.string(),
  type: z.string(),
  gold: z.array(z.string().min(1)).min(1),
  split: z.enum(['dev', 'heldout']),
});

export function loadTextbookQuestions(file = QUESTIONS_FILE): TextbookQuestion[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l, i) => {
      const parsed = QuestionSchema.safeParse(JSON.parse(l));
      if (!parsed.success) throw new Error(`${file}:${i + 1}: ${parsed.error.issues[0]?.message}`);
      return parsed.data;
    });
}

/** Hit@1/5/10 and MRR@10 of one ranker over a question set. */
export interface HitScore {
  n: number;
  hit1: number;
  hit5: number;
  hit10: number;
  mrr: number;
}

export function scoreRanks(ranks: Array<number | null>): HitScore {
  const n = ranks.length;
  const at = (k: number) => ranks.filter((r) => r !== null && r <= k).length / Math.max(1, n);
  const mrr = ranks.reduce<number>((s, r) => s + (r !== null && r <= 10 ? 1 / r : 0), 0) / Math.max(1, n);
  return { n, hit1: at(1), hit5: at(5), hit10: at(10), mrr };
}

/** Per-question ranks (1-based, null beyond 10) of ours and the baseline. */
export interface TextbookRun {
  corpus: string;
  chunks: number;
  questions: Array<{ id: string; type: string; ours: number | null; baseline: number | null }>;
}

const compact = (s: string) => normalizeText(s).replace(/\s+/g, '');

/** Rank (1-based) of the first text containing a gold sentence, or null when none of the top 10 does. */
export function goldRank(texts: string[], gold: string[]): number | null {
  const wanted = gold.map(compact);
  const i = texts.slice(0, 10).findIndex((t) => {
    const c = compact(t);
    return wanted.some((g) => c.includes(g));
  });
  return i < 0 ? null : i + 1;
}

/**
 * Ingest one TXT through the CLI (`yingzhi ingest`, as the independent evaluation does) into a fresh
 * data directory, open it, and rank every question with our search and with the bigram baseline over
 * the very chunks our ingest produced.
 */
export async function runTextbookCorpus(
  file: string,
  questions: TextbookQuestion[],
  opts: { env?: Record<string, string>; search?: Partial<SearchRequest>; keep?: (rt: Runtime) => Promise<void> } = {},
): Promise<TextbookRun> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'yz-textbook-'));
  const env: Record<string, string | undefined> = { ...process.env, ...opts.env, YZ_DATA_DIR: dataDir, YZ_AUTO_EXTRACT: 'off', YZ_LOAD_DEMO: 'false', YZ_LOG_LEVEL: 'warn' };
  delete env.DATABASE_URL;
  delete env.NEO4J_URL;
  try {
    await exec(process.execPath, [path.join(ROOT, 'cli/bin.mjs'), 'ingest', file, '--kind', 'textbook', '--json'], { env, cwd: ROOT, maxBuffer: 16 << 20 });
    const rt = await createRuntime(loadConfig({ ...env, YZ_LOG_LEVEL: 'silent' } as Record<string, string>), { log: createLogger('silent') });
    try {
      const { rows } = await rt.db.query<{ id: string; heading_path: string[]; text: string }>('SELECT id, heading_path, text FROM chunks ORDER BY source_id, ordinal');
      const baseline = new BigramBm25(rows.map((r) => ({ id: r.id, text: indexText(r.heading_path, r.text) })));
      const textOf = new Map(rows.map((r) => [r.id, r.text]));
      const out: TextbookRun = { corpus: path.basename(file), chunks: rows.length, questions: [] };
      for (const q of questions) {
        const res = await rt.search.search({ q: q.question, top: 10, ...opts.search });
        const base = baseline.search(q.question, 10);
        out.questions.push({
          id: q.id,
          type: q.type,
          ours: goldRank(res.results.map((h) => h.text), q.gold),
          baseline: goldRank(base.map((h) => textOf.get(h.id) ?? ''), q.gold),
        });
      }
      await opts.keep?.(rt);
      return out;
    } finally {
      await rt.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The corpus with its lines in a seeded random order (a sentence-level corpus need not keep a book's order). */
export function shuffledCorpus(seed = 7, source = CORPUS_FILE): string {
  const lines = readFileSync(source, 'utf8').split('\n').filter((l) => l.trim());
  const random = rng(seed);
  for (let i = lines.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [lines[i], lines[j]] = [lines[j], lines[i]];
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'yz-textbook-shuffled-'));
  const file = path.join(dir, 'textbook-proxy-shuffled.txt');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

export interface TextbookSetScore {
  corpus: string;
  chunks: number;
  split: string;
  ours: HitScore;
  baseline: HitScore;
  byType: Array<{ type: string; ours: HitScore; baseline: HitScore }>;
}

export function summariseRun(run: TextbookRun, split: string): TextbookSetScore {
  const types = [...new Set(run.questions.map((q) => q.type))].sort();
  return {
    corpus: run.corpus,
    chunks: run.chunks,
    split,
    ours: scoreRanks(run.questions.map((q) => q.ours)),
    baseline: scoreRanks(run.questions.map((q) => q.baseline)),
    byType: types.map((type) => {
      const qs = run.questions.filter((q) => q.type === type);
      return { type, ours: scoreRanks(qs.map((q) => q.ours)), baseline: scoreRanks(qs.map((q) => q.baseline)) };
    }),
  };
}

export { CORPUS_FILE };
