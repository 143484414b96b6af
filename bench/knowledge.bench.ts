import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createLogger, Lexicon } from '../core/index.ts';
import { evaluateExtraction, measureExtractionSpeed } from '../evals/extraction.ts';
import { loadTextbookGold, scoreTextbook } from '../evals/extraction-textbook.ts';
import { chunkDocument, readDocument } from '../ingest/index.ts';
import { LlmExtractor, RulesExtractor } from '../knowledge/index.ts';
import { EntitiesRepository } from '../knowledge/entities.repository.ts';
import { VocabImportsRepository } from '../knowledge/vocabulary/vocab-imports.repository.ts';
import { VocabImportsService } from '../knowledge/vocabulary/vocab-imports.service.ts';
import { createProvider, LlmResponseCache } from '../llm/index.ts';
import { migrate, PgliteDatabase } from '../store/index.ts';
import { startFakeLlmServer } from '../tests/fakes/llm-server.ts';
import { printTable } from './table.ts';

const CORPUS = path.resolve(import.meta.dirname, '../demo/corpus');

/**
 * Extraction benchmarks: rules-engine speed over the demo corpus (target ≥ 200 chunks/s), its quality on
 * the authored gold set (precision/recall/F1 per predicate, dev and held-out test), and LLM calls per
 * chunk (target ≤ 1.3 with gleaning). The LLM figure is the protocol cost of the extractor — first pass,
 * gleaning policy, repairs — measured against the fake model server answering with what the rules engine
 * finds in each chunk; it says nothing about a real model's quality.
 */
export async function runKnowledgeBench() {
  const lexicon = Lexicon.load();
  const rules = new RulesExtractor(lexicon);
  // The same engine with open mentions off: the lexicon-only baseline, measured in the same run on the same data.
  const lexiconOnly = new RulesExtractor(lexicon, undefined, { openVocabulary: false });
  const speed = await measureExtractionSpeed({ extractor: rules });
  const baseSpeed = await measureExtractionSpeed({ extractor: lexiconOnly });
  printTable('Rules extraction speed (demo corpus, 600-character chunks)', ['engine', 'chunks', 'characters', 'triples', 'seconds', 'chunks/s', 'target'], [
    [`${rules.version} open vocabulary`, speed.chunks, speed.chars, speed.triples, speed.seconds.toFixed(3), speed.chunksPerSecond.toFixed(0), '≥ 100'],
    ['lexicon only (baseline)', baseSpeed.chunks, baseSpeed.chars, baseSpeed.triples, baseSpeed.seconds.toFixed(3), baseSpeed.chunksPerSecond.toFixed(0), ''],
  ]);

  // Textbook-style gold set, dev split only (the held-out split is run once, by hand: evals/extraction.ts heldout).
  const dev = loadTextbookGold().filter((s) => s.split === 'dev');
  const open = await scoreTextbook(rules, lexicon, dev, 'dev');
  const base = await scoreTextbook(lexiconOnly, lexicon, dev, 'dev');
  const tb = (name: string, s: typeof open) => [name, s.relaxed.micro.gold, s.relaxed.micro.predicted, s.relaxed.micro.correct, pct(s.relaxed.micro.precision), pct(s.relaxed.micro.recall), pct(s.relaxed.micro.f1), pct(s.certainty.accuracy), pct(s.synonyms.recall)];
  printTable('Textbook gold set (dev, 39 sections): open vocabulary beside lexicon only', ['engine', 'gold', 'predicted', 'correct', 'P', 'R', 'F1', 'certainty acc.', 'synonyms R'], [tb(rules.version, open), tb('lexicon only', base)]);
  printTable(`Textbook gold set (dev): ${rules.version} per predicate`, ['predicate', 'gold', 'predicted', 'correct', 'P', 'R', 'F1'],
    Object.entries(open.relaxed.byPredicate).filter(([, p]) => p.gold || p.predicted).map(([p, x]) => [p, x.gold, x.predicted, x.correct, pct(x.precision), pct(x.recall), pct(x.f1)]));

  const quality = await evaluateExtraction({ split: 'all', extractor: rules, print: false });
  const rows: (string | number)[][] = [];
  for (const s of quality.splits) {
    for (const [p, prf] of Object.entries(s.strict.byPredicate)) {
      if (prf.gold || prf.predicted) rows.push([s.split, p, prf.gold, prf.predicted, prf.correct, pct(prf.precision), pct(prf.recall), pct(prf.f1)]);
    }
    const m = s.strict.micro;
    const r = s.relaxed.micro;
    rows.push([s.split, 'micro', m.gold, m.predicted, m.correct, pct(m.precision), pct(m.recall), pct(m.f1)]);
    rows.push([s.split, 'micro (certainty ignored)', r.gold, r.predicted, r.correct, pct(r.precision), pct(r.recall), pct(r.f1)]);
  }
  printTable(`Rules extraction quality (${quality.extractorVersion}) on evals/extraction/gold.jsonl`, ['split', 'predicate', 'gold', 'predicted', 'correct', 'P', 'R', 'F1'], rows);

  const vocab = await vocabularyImport(lexicon);
  printTable('Terminology import (synthetic ICD-10 CSV on in-memory PGlite, lexicon seeded)', ['concepts', 'preview s', 'import s', 'undo s', 'concepts/s (import)'], [
    [vocab.concepts, vocab.previewS.toFixed(2), vocab.importS.toFixed(2), vocab.undoS.toFixed(2), (vocab.concepts / vocab.importS).toFixed(0)],
  ]);

  const llm = await llmCallsPerChunk(lexicon, rules);
  printTable('LLM extraction cost (fake model server, real HTTP; gleaning on)', ['chunks', 'LLM calls', 'calls/chunk', 'gleaned chunks', 're-run calls (cache)', 'target'], [
    [llm.chunks, llm.calls, llm.perChunk.toFixed(2), llm.gleaned, llm.rerunCalls, '≤ 1.3'],
  ]);
  return {
    speed, baseSpeed, vocab, quality: quality.splits.map((s) => ({ split: s.split, strict: s.strict, relaxed: s.relaxed.micro })), llm,
    textbook: { open: { relaxed: open.relaxed.micro, certainty: open.certainty }, lexiconOnly: { relaxed: base.relaxed.micro } },
  };
}

/** Preview, import and undo of a 20,000-row ICD-10-style CSV (codes and names made up), timed. */
async function vocabularyImport(lexicon: Lexicon) {
  const db = await PgliteDatabase.open();
  try {
    await migrate(db);
    const entities = new EntitiesRepository(db);
    await entities.seedFromLexicon(lexicon);
    const service = new VocabImportsService(db, new VocabImportsRepository(db), entities, () => {});
    const rows = ['code,name_zh,name_en'];
    const concepts = 20_000;
    for (let i = 0; i < concepts; i++) rows.push(`${'ABCDEFGHIJKLMNOPQ'[i % 17]}${String(10 + (i % 90)).padStart(2, '0')}.${Math.floor(i / 1530)}${i % 10},基准测试病${i}号,benchmark disease ${i}`);
    const req = { bytes: Buffer.from(rows.join('\n')), fileName: 'bench-icd10.csv', format: 'icd10' as const };
    let t = performance.now();
    const preview = await service.preview(req);
    const previewS = (performance.now() - t) / 1000;
    if (preview.errors.length) throw new Error(`bench CSV has errors: ${preview.errors[0].message}`);
    t = performance.now();
    const applied = await service.apply(req, 'bench');
    const importS = (performance.now() - t) / 1000;
    t = performance.now();
    await service.undo(applied.importId as string, 'bench');
    const undoS = (performance.now() - t) / 1000;
    return { concepts: preview.counts.create + preview.counts.link, previewS, importS, undoS };
  } finally {
    await db.close();
  }
}

async function llmCallsPerChunk(lexicon: Lexicon, rules: RulesExtractor) {
  const chunks: { id: string; sourceId: string; text: string; headingPath: string[]; pageStart: number }[] = [];
  for (const f of readdirSync(CORPUS).filter((n) => n.endsWith('.md')).sort()) {
    const doc = await readDocument(readFileSync(path.join(CORPUS, f)), f);
    for (const [i, c] of chunkDocument(doc.blocks, 600).chunks.entries()) {
      chunks.push({ id: `${f}:${i}`, sourceId: f, text: c.text, headingPath: c.headingPath, pageStart: c.pageStart });
    }
  }
  const byText = new Map<string, unknown[]>();
  for (const c of chunks) {
    const { triples } = await rules.extract(c);
    byText.set(c.text, triples.map((t) => ({
      subject: { text: t.subject.text, type: t.subject.type ?? '' }, predicate: t.predicate, object: { text: t.object.text, type: t.object.type ?? '' },
      certainty: t.certainty, quote: t.quote,
    })));
  }
  const fake = await startFakeLlmServer({
    script: (req) => {
      const text = [...byText.keys()].find((t) => req.messages.some((m) => m.content.includes(t))) ?? '';
      return { json: { triples: req.messages.length > 2 ? [] : (byText.get(text) ?? []) } };
    },
  });
  const db = await PgliteDatabase.open();
  try {
    await migrate(db);
    const provider = createProvider({ kind: 'openai', url: fake.url, model: 'fake-model', timeoutMs: 30_000, concurrency: 4, numCtx: 8192 });
    if (!provider) throw new Error('provider');
    const log = createLogger('silent');
    const run = async () => {
      const x = new LlmExtractor(provider, lexicon, { cache: new LlmResponseCache(db), log });
      let calls = 0;
      let gleaned = 0;
      for (const c of chunks) {
        const r = await x.extract(c);
        calls += r.llmCalls;
        if (r.gleaned) gleaned++;
      }
      return { calls, gleaned };
    };
    const first = await run();
    const again = await run();
    await provider.close();
    return { chunks: chunks.length, calls: first.calls, perChunk: first.calls / chunks.length, gleaned: first.gleaned, rerunCalls: again.calls };
  } finally {
    await db.close();
    await fake.close();
  }
}

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
