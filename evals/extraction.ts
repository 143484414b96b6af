import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { Lexicon } from '../core/index.ts';
import { chunkDocument, readDocument } from '../ingest/index.ts';
import { RulesExtractor } from '../knowledge/extract/rules/index.ts';
import { CertaintySchema, type Extractor, PREDICATES, type Predicate, PredicateSchema } from '../knowledge/model.ts';
import { orient } from '../knowledge/predicates.ts';
import { type Prf, prf } from './extraction-metrics.ts';
import { formatTextbookScore, loadTextbookGold, scoreTextbook, TEXTBOOK_DEV3_PATH, TEXTBOOK_FRESH_PATH, TEXTBOOK_FRESH2_PATH, TEXTBOOK_FRESH3_PATH, TEXTBOOK_FRESH4_PATH, TEXTBOOK_FRESH5_PATH, TEXTBOOK_FRESH6_PATH, TEXTBOOK_FRESH7_PATH } from './extraction-textbook.ts';

export type { Prf } from './extraction-metrics.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const GOLD_PATH = path.join(HERE, 'extraction', 'gold.jsonl');
const CORPUS_DIR = path.join(HERE, '..', 'demo', 'corpus');

export const GoldSentenceSchema = z.object({
  id: z.string(),
  doc: z.string(),
  page: z.number().int().nullable().optional(),
  sentence: z.string().min(1),
  split: z.enum(['dev', 'test']),
  triples: z.array(
    z.object({
      subject: z.string().min(1),
      predicate: PredicateSchema,
      object: z.string().min(1),
      certainty: CertaintySchema.default('present'),
    }),
  ),
});
export type GoldSentence = z.infer<typeof GoldSentenceSchema>;

export type Split = 'dev' | 'test' | 'all';

/** The authored gold set: one JSON object per line (see GoldSentenceSchema). */
export function loadGold(file = GOLD_PATH): GoldSentence[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line, i) => ({ line, i }))
    .filter(({ line }) => line.trim())
    .map(({ line, i }) => {
      const parsed = GoldSentenceSchema.safeParse(JSON.parse(line));
      if (!parsed.success) throw new Error(`${file}:${i + 1}: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`);
      return parsed.data;
    });
}

export interface SplitScore {
  split: Split;
  sentences: number;
  /** Matching on (subject, predicate, object, certainty). */
  strict: { micro: Prf; byPredicate: Record<Predicate, Prf> };
  /** Matching on (subject, predicate, object): certainty ignored. */
  relaxed: { micro: Prf; byPredicate: Record<Predicate, Prf> };
  /** Per sentence: what was missed and what was wrongly proposed (strict keys `s|p|o|certainty`). */
  errors: Array<{ id: string; sentence: string; missed: string[]; spurious: string[] }>;
}

export interface ExtractionEval {
  extractorVersion: string;
  splits: SplitScore[];
}

type Counts = Record<Predicate, { gold: number; predicted: number; correct: number }>;

const zero = (): Counts => Object.fromEntries(PREDICATES.map((p) => [p, { gold: 0, predicted: 0, correct: 0 }])) as Counts;

function summarise(counts: Counts): { micro: Prf; byPredicate: Record<Predicate, Prf> } {
  const total = { gold: 0, predicted: 0, correct: 0 };
  const byPredicate = {} as Record<Predicate, Prf>;
  for (const p of PREDICATES) {
    const c = counts[p];
    total.gold += c.gold;
    total.predicted += c.predicted;
    total.correct += c.correct;
    byPredicate[p] = prf(c);
  }
  return { micro: prf(total), byPredicate };
}

/** Symmetric predicates compare in stored orientation (smaller id first), as the extractor emits them. */
function key(t: { subject: string; predicate: Predicate; object: string }, certainty?: string): string {
  const [s, o] = orient(t.predicate, t.subject, t.object);
  return certainty === undefined ? `${s}|${t.predicate}|${o}` : `${s}|${t.predicate}|${o}|${certainty}`;
}

function tally(counts: Counts, gold: Set<string>, predicted: Set<string>): void {
  for (const k of gold) counts[k.split('|')[1] as Predicate].gold++;
  for (const k of predicted) {
    const c = counts[k.split('|')[1] as Predicate];
    c.predicted++;
    if (gold.has(k)) c.correct++;
  }
}

async function scoreSplit(x: Extractor, items: GoldSentence[], split: Split): Promise<SplitScore> {
  const strict = zero();
  const relaxed = zero();
  const errors: SplitScore['errors'] = [];
  for (const g of items) {
    const { triples } = await x.extract({ id: g.id, sourceId: g.doc, text: g.sentence, headingPath: [], pageStart: g.page ?? 1 });
    const predicted = triples
      .filter((t) => t.subject.entityId && t.object.entityId)
      .map((t) => ({ subject: t.subject.entityId as string, predicate: t.predicate, object: t.object.entityId as string, certainty: t.certainty }));
    const goldStrict = new Set(g.triples.map((t) => key(t, t.certainty)));
    const predStrict = new Set(predicted.map((t) => key(t, t.certainty)));
    tally(strict, goldStrict, predStrict);
    tally(relaxed, new Set(g.triples.map((t) => key(t))), new Set(predicted.map((t) => key(t))));
    const missed = [...goldStrict].filter((k) => !predStrict.has(k));
    const spurious = [...predStrict].filter((k) => !goldStrict.has(k));
    if (missed.length || spurious.length) errors.push({ id: g.id, sentence: g.sentence, missed, spurious });
  }
  return { split, sentences: items.length, strict: summarise(strict), relaxed: summarise(relaxed), errors };
}

/**
 * Precision, recall and F1 of the rules engine against the gold set, per predicate and micro-averaged,
 * strict (certainty must match) and relaxed (certainty ignored). Each gold sentence is extracted as a
 * one-sentence chunk. `split: 'all'` scores dev, test and both together. Prints the table unless
 * `print: false`.
 */
export async function evaluateExtraction(
  opts: { split?: Split; file?: string; extractor?: Extractor; print?: boolean; limit?: number } = {},
): Promise<ExtractionEval> {
  const split = opts.split ?? 'dev';
  // `limit`: the first n sentences of each split (a model on CPU answers ~1 sentence a minute).
  const gold = limitPerSplit(loadGold(opts.file), opts.limit);
  const x = opts.extractor ?? new RulesExtractor(Lexicon.load());
  const wanted: Split[] = split === 'all' ? ['dev', 'test', 'all'] : [split];
  const splits: SplitScore[] = [];
  for (const s of wanted) splits.push(await scoreSplit(x, s === 'all' ? gold : gold.filter((g) => g.split === s), s));
  const result = { extractorVersion: x.version, splits };
  if (opts.print !== false) console.log(formatExtractionEval(result));
  return result;
}

function limitPerSplit(gold: GoldSentence[], limit: number | undefined): GoldSentence[] {
  if (limit === undefined) return gold;
  const seen: Record<string, number> = {};
  return gold.filter((g) => {
    seen[g.split] = (seen[g.split] ?? 0) + 1;
    return seen[g.split] <= limit;
  });
}

const pct = (v: number) => (v * 100).toFixed(1).padStart(5);

/** The evaluation as a plain-text table. */
export function formatExtractionEval(r: ExtractionEval): string {
  const lines: string[] = [];
  for (const s of r.splits) {
    lines.push(`\n${r.extractorVersion} — split ${s.split}: ${s.sentences} sentences`);
    lines.push(`${'predicate'.padEnd(16)} ${'gold'.padStart(5)} ${'pred'.padStart(5)} ${'ok'.padStart(5)}   ${'P'.padStart(5)} ${'R'.padStart(5)} ${'F1'.padStart(5)}   relaxed ${'P'.padStart(5)} ${'R'.padStart(5)} ${'F1'.padStart(5)}`);
    const row = (name: string, a: Prf, b: Prf) =>
      `${name.padEnd(16)} ${String(a.gold).padStart(5)} ${String(a.predicted).padStart(5)} ${String(a.correct).padStart(5)}   ${pct(a.precision)} ${pct(a.recall)} ${pct(a.f1)}           ${pct(b.precision)} ${pct(b.recall)} ${pct(b.f1)}`;
    for (const p of PREDICATES) {
      const a = s.strict.byPredicate[p];
      if (a.gold || a.predicted) lines.push(row(p, a, s.relaxed.byPredicate[p]));
    }
    lines.push(row('micro', s.strict.micro, s.relaxed.micro));
  }
  return lines.join('\n');
}

export interface SpeedResult {
  chunks: number;
  chars: number;
  triples: number;
  seconds: number;
  chunksPerSecond: number;
  charsPerSecond: number;
}

/**
 * Extraction speed over every chunk of the demo corpus, chunked as ingestion does (600 visible
 * characters). One warm-up pass, then `rounds` timed passes.
 */
export async function measureExtractionSpeed(opts: { extractor?: RulesExtractor; dir?: string; chunkChars?: number; rounds?: number } = {}): Promise<SpeedResult> {
  const x = opts.extractor ?? new RulesExtractor(Lexicon.load());
  const dir = opts.dir ?? CORPUS_DIR;
  const texts: string[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.md')).sort()) {
    const doc = await readDocument(readFileSync(path.join(dir, f)), f);
    for (const c of chunkDocument(doc.blocks, opts.chunkChars ?? 600).chunks) texts.push(c.text);
  }
  const chunks = texts.map((text, i) => ({ id: `c${i}`, sourceId: 'speed', text, headingPath: [], pageStart: 1 }));
  for (const c of chunks) await x.extract(c);
  const rounds = opts.rounds ?? 3;
  let triples = 0;
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) for (const c of chunks) triples += (await x.extract(c)).triples.length;
  const seconds = (performance.now() - t0) / 1000;
  return {
    chunks: chunks.length,
    chars: texts.reduce((n, t) => n + t.length, 0),
    triples: triples / rounds,
    seconds: seconds / rounds,
    chunksPerSecond: (chunks.length * rounds) / seconds,
    charsPerSecond: (texts.reduce((n, t) => n + t.length, 0) * rounds) / seconds,
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = process.argv[2] ?? 'dev';
  if (arg !== 'dev' && arg !== 'test' && arg !== 'all' && arg !== 'textbook' && arg !== 'heldout' && arg !== 'fresh' && arg !== 'fresh2' && arg !== 'fresh3' && arg !== 'fresh4' && arg !== 'fresh5' && arg !== 'fresh6' && arg !== 'fresh7' && arg !== 'dev3') {
    console.error('usage: npx tsx evals/extraction.ts [dev|test|all|textbook|dev3|heldout|fresh|fresh2|fresh3|fresh4|fresh5|fresh6|fresh7] [--errors] [--speed] [--baseline]');
    console.error('  dev|test|all  the demo-corpus gold set (gold.jsonl)');
    console.error('  textbook      the textbook gold set, dev split (tuning); heldout: its held-out split, run once at the end');
    console.error('  dev3          a dev set in the blind set\'s headless style (textbook-dev3.jsonl), for tuning');
    console.error('  fresh         the second, fresh held-out textbook set (textbook-fresh.jsonl), run once at the end');
    console.error('  fresh2        the third held-out textbook set, written blind, mostly headless (textbook-fresh2.jsonl), run once');
    console.error('  fresh3        the fourth held-out textbook set, written blind before rules-v7 (textbook-fresh3.jsonl), run once');
    console.error('  fresh4        the fifth held-out textbook set, written blind before rules-v8 (textbook-fresh4.jsonl), run once');
    console.error('  fresh5        the sixth held-out textbook set, written blind before rules-v9 (textbook-fresh5.jsonl), run once');
    console.error('  fresh6        the seventh held-out textbook set, written blind before rules-v10 (textbook-fresh6.jsonl), run once');
    console.error('  fresh7        the eighth held-out textbook set, written blind before rules-v11 (textbook-fresh7.jsonl), run once');
    console.error('  --baseline    also score the lexicon-only engine on the same sections in the same run');
    process.exit(2);
  }
  if (arg === 'textbook' || arg === 'dev3' || arg === 'heldout' || arg === 'fresh' || arg === 'fresh2' || arg === 'fresh3' || arg === 'fresh4' || arg === 'fresh5' || arg === 'fresh6' || arg === 'fresh7') {
    const lexicon = Lexicon.load();
    const extractor = new RulesExtractor(lexicon);
    const split = arg === 'textbook' || arg === 'dev3' ? 'dev' : 'heldout';
    const files: Record<string, string> = { fresh: TEXTBOOK_FRESH_PATH, fresh2: TEXTBOOK_FRESH2_PATH, fresh3: TEXTBOOK_FRESH3_PATH, fresh4: TEXTBOOK_FRESH4_PATH, fresh5: TEXTBOOK_FRESH5_PATH, fresh6: TEXTBOOK_FRESH6_PATH, fresh7: TEXTBOOK_FRESH7_PATH, dev3: TEXTBOOK_DEV3_PATH };
    const file = files[arg];
    const sections = loadTextbookGold(file).filter((s) => s.split === split);
    if (process.argv.includes('--baseline')) {
      const lexiconOnly = new RulesExtractor(lexicon, undefined, { openVocabulary: false });
      console.log(formatTextbookScore(`${lexiconOnly.version} lexicon only`, await scoreTextbook(lexiconOnly, lexicon, sections, split)));
    }
    const score = await scoreTextbook(extractor, lexicon, sections, split);
    console.log(formatTextbookScore(extractor.version, score));
    // Errors are listed for the dev split only: held-out errors are never read.
    if (process.argv.includes('--errors') && split === 'dev') {
      for (const e of score.errors) {
        console.log(`\n[${e.id}]`);
        for (const k of e.missed) console.log(`  - missed   ${k}`);
        for (const k of e.spurious) console.log(`  + spurious ${k}`);
      }
    }
    process.exit(0);
  }
  if (!existsSync(GOLD_PATH)) {
    console.error(`no gold set at ${GOLD_PATH}`);
    process.exit(1);
  }
  const extractor = new RulesExtractor(Lexicon.load());
  const result = await evaluateExtraction({ split: arg, extractor });
  // Error listings help tuning, which is done on dev only: test sentences are never listed.
  if (process.argv.includes('--errors') && arg === 'dev') {
    for (const e of result.splits[0].errors) {
      console.log(`\n[${e.id}] ${e.sentence}`);
      for (const k of e.missed) console.log(`  - missed   ${k}`);
      for (const k of e.spurious) console.log(`  + spurious ${k}`);
    }
  }
  if (process.argv.includes('--speed')) {
    const s = await measureExtractionSpeed({ extractor });
    console.log(
      `\nspeed: ${s.chunks} chunks (${s.chars} chars) in ${s.seconds.toFixed(3)} s → ${s.chunksPerSecond.toFixed(0)} chunks/s, ` +
        `${Math.round(s.charsPerSecond / 1000)}k chars/s (≈ ${Math.round(s.charsPerSecond / 600)} chunks/s of 600 chars), ${s.triples} triples`,
    );
  }
}
