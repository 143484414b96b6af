import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { type Lexicon, surfaceKey } from '../core/index.ts';
import type { RulesExtractor } from '../knowledge/extract/rules/index.ts';
import { CertaintySchema, type ExtractedTriple, PREDICATES, type Predicate, PredicateSchema } from '../knowledge/model.ts';
import { PREDICATE_TYPES } from '../knowledge/predicates.ts';
import { type Prf, prf } from './extraction-metrics.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const TEXTBOOK_GOLD_PATH = path.join(HERE, 'extraction', 'textbook-gold.jsonl');
/** A second held-out set, written later with other diseases and wording; every section is `heldout`. */
export const TEXTBOOK_FRESH_PATH = path.join(HERE, 'extraction', 'textbook-fresh.jsonl');
/** A third set, every section `heldout`, written blind to the engines by another author (issue 13, item 8); mostly headless. */
export const TEXTBOOK_FRESH2_PATH = path.join(HERE, 'extraction', 'textbook-fresh2.jsonl');
/** A dev set in fresh2's headless style, written before the engine ran on it (issue 13); every section `dev`, for tuning. */
export const TEXTBOOK_DEV3_PATH = path.join(HERE, 'extraction', 'textbook-dev3.jsonl');
/** A fourth held-out set, written blind before the rules-v7 work (issue 13); every section `heldout`, run once per engine. */
export const TEXTBOOK_FRESH3_PATH = path.join(HERE, 'extraction', 'textbook-fresh3.jsonl');
/** A fifth held-out set, written blind before the rules-v8 work (issue 13); every section `heldout`, run once per engine. */
export const TEXTBOOK_FRESH4_PATH = path.join(HERE, 'extraction', 'textbook-fresh4.jsonl');
/** A sixth held-out set, written blind before the rules-v9 work (issue 13); every section `heldout`, run once per engine. */
export const TEXTBOOK_FRESH5_PATH = path.join(HERE, 'extraction', 'textbook-fresh5.jsonl');
/** A seventh held-out set, written blind before the rules-v10 work (issue 13); every section `heldout`, run once per engine. */
export const TEXTBOOK_FRESH6_PATH = path.join(HERE, 'extraction', 'textbook-fresh6.jsonl');
/** An eighth held-out set, written blind before the rules-v11 work (issue 13); every section `heldout`, run once per engine. */
export const TEXTBOOK_FRESH7_PATH = path.join(HERE, 'extraction', 'textbook-fresh7.jsonl');

/** One authored textbook-style section (see evals/extraction/TEXTBOOK-GOLD.md). Mentions are surface forms, `A|B` alternatives. */
export const TextbookSectionSchema = z.object({
  id: z.string(),
  domain: z.string(),
  split: z.enum(['dev', 'heldout']),
  heading: z.string().nullable(),
  sentences: z.array(z.string().min(1)).min(1),
  triples: z.array(z.object({ subject: z.string().min(1), predicate: PredicateSchema, object: z.string().min(1), certainty: CertaintySchema })),
  synonyms: z.array(z.object({ term: z.string().min(1), alias: z.string().min(1) })),
});
export type TextbookSection = z.infer<typeof TextbookSectionSchema>;
export type TextbookSplit = 'dev' | 'heldout';

export function loadTextbookGold(file = TEXTBOOK_GOLD_PATH): TextbookSection[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line, i) => ({ line, i }))
    .filter(({ line }) => line.trim())
    .map(({ line, i }) => {
      const parsed = TextbookSectionSchema.safeParse(JSON.parse(line));
      if (!parsed.success) throw new Error(`${file}:${i + 1}: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`);
      return parsed.data;
    });
}

/** The chunk a section is extracted as: its sentences joined, its heading as the heading path. */
export function sectionChunk(s: TextbookSection) {
  return { id: s.id, sourceId: 'textbook-gold', text: s.sentences.join(''), headingPath: s.heading ? [s.heading] : [], pageStart: 1 };
}

export interface TextbookScore {
  split: TextbookSplit;
  sections: number;
  sentences: number;
  /** (subject, predicate, object) match, certainty ignored. */
  relaxed: { micro: Prf; byPredicate: Record<Predicate, Prf> };
  /** Certainty must match too. */
  strict: { micro: Prf; byPredicate: Record<Predicate, Prf> };
  /** Share of relaxed matches whose certainty is right, overall and for gold absent/possible. */
  certainty: { accuracy: number; matched: number; nonPresentGold: number; nonPresentRight: number };
  /** Share of predicted triples whose mention is unresolved (not a lexicon entity) on at least one side. */
  openVocabularyShare: number;
  synonyms: Prf;
  errors: Array<{ id: string; missed: string[]; spurious: string[] }>;
}

type Side = Set<string>;

/** Identities of a gold alternative list: normalised surfaces plus the lexicon entity each names. */
function goldSide(lexicon: Lexicon, text: string): Side {
  const out = new Set<string>();
  for (const alt of text.split('|')) {
    out.add(`s:${surfaceKey(alt)}`);
    const e = lexicon.lookup(alt);
    if (e) out.add(`e:${e.id}`);
  }
  return out;
}

function predictedSide(m: ExtractedTriple['subject']): Side {
  const out = new Set<string>([`s:${surfaceKey(m.text)}`]);
  if (m.entityId) out.add(`e:${m.entityId}`);
  return out;
}

const meets = (a: Side, b: Side) => [...a].some((x) => b.has(x));

interface GoldTriple {
  s: Side;
  o: Side;
  predicate: Predicate;
  certainty: string;
  label: string;
}

/**
 * Score extraction on textbook sections. A predicted triple matches a gold one of its predicate when both
 * mentions match (either order for symmetric predicates); each gold triple is matched at most once.
 */
export async function scoreTextbook(x: RulesExtractor, lexicon: Lexicon, sections: TextbookSection[], split: TextbookSplit): Promise<TextbookScore> {
  const counts = Object.fromEntries(PREDICATES.map((p) => [p, { gold: 0, predicted: 0, correct: 0, strict: 0 }])) as Record<Predicate, { gold: number; predicted: number; correct: number; strict: number }>;
  const cert = { matched: 0, right: 0, nonPresentGold: 0, nonPresentRight: 0 };
  const syn = { gold: 0, predicted: 0, correct: 0 };
  let open = 0;
  let predictedTotal = 0;
  const errors: TextbookScore['errors'] = [];
  for (const sec of sections) {
    const result = await x.extract(sectionChunk(sec));
    const gold: GoldTriple[] = sec.triples.map((t) => ({
      s: goldSide(lexicon, t.subject), o: goldSide(lexicon, t.object), predicate: t.predicate, certainty: t.certainty,
      label: `${t.subject} ${t.predicate} ${t.object} ${t.certainty}`,
    }));
    for (const g of gold) counts[g.predicate].gold++;
    const used = new Set<number>();
    const seen = new Set<string>();
    const spurious: string[] = [];
    for (const t of result.triples) {
      const id = `${surfaceKey(t.subject.text)}|${t.predicate}|${surfaceKey(t.object.text)}`;
      if (seen.has(id)) continue;
      seen.add(id);
      predictedTotal++;
      if (!t.subject.entityId || !t.object.entityId) open++;
      counts[t.predicate].predicted++;
      const ps = predictedSide(t.subject);
      const po = predictedSide(t.object);
      const symmetric = PREDICATE_TYPES[t.predicate].symmetric;
      const hit = gold.findIndex((g, i) => !used.has(i) && g.predicate === t.predicate && ((meets(g.s, ps) && meets(g.o, po)) || (symmetric && meets(g.s, po) && meets(g.o, ps))));
      if (hit < 0) {
        spurious.push(`${t.subject.text} ${t.predicate} ${t.object.text} ${t.certainty}`);
        continue;
      }
      used.add(hit);
      const g = gold[hit];
      counts[t.predicate].correct++;
      cert.matched++;
      if (g.certainty === t.certainty) {
        counts[t.predicate].strict++;
        cert.right++;
      }
      if (g.certainty !== 'present') {
        cert.nonPresentGold++;
        if (g.certainty === t.certainty) cert.nonPresentRight++;
      }
    }
    const missed = gold.filter((_, i) => !used.has(i)).map((g) => g.label);
    if (missed.length || spurious.length) errors.push({ id: sec.id, missed, spurious });
    const goldSyn = sec.synonyms.map((p) => [surfaceKey(p.term), surfaceKey(p.alias)].sort().join('|'));
    const predSyn = new Set((result.synonyms ?? []).map((p) => [surfaceKey(p.term.text), surfaceKey(p.alias)].sort().join('|')));
    syn.gold += goldSyn.length;
    syn.predicted += predSyn.size;
    syn.correct += goldSyn.filter((k) => predSyn.has(k)).length;
  }
  const byRelaxed = {} as Record<Predicate, Prf>;
  const byStrict = {} as Record<Predicate, Prf>;
  const total = { gold: 0, predicted: 0, correct: 0, strict: 0 };
  for (const p of PREDICATES) {
    const c = counts[p];
    byRelaxed[p] = prf(c);
    byStrict[p] = prf({ gold: c.gold, predicted: c.predicted, correct: c.strict });
    total.gold += c.gold;
    total.predicted += c.predicted;
    total.correct += c.correct;
    total.strict += c.strict;
  }
  return {
    split,
    sections: sections.length,
    sentences: sections.reduce((n, s) => n + s.sentences.length, 0),
    relaxed: { micro: prf(total), byPredicate: byRelaxed },
    strict: { micro: prf({ gold: total.gold, predicted: total.predicted, correct: total.strict }), byPredicate: byStrict },
    certainty: { accuracy: cert.matched ? cert.right / cert.matched : 0, matched: cert.matched, nonPresentGold: cert.nonPresentGold, nonPresentRight: cert.nonPresentRight },
    openVocabularyShare: predictedTotal ? open / predictedTotal : 0,
    synonyms: prf(syn),
    errors,
  };
}

const pct = (v: number) => (v * 100).toFixed(1).padStart(5);

export function formatTextbookScore(version: string, s: TextbookScore): string {
  const lines = [`\n${version} — textbook set, split ${s.split}: ${s.sections} sections, ${s.sentences} sentences`];
  lines.push(`${'predicate'.padEnd(16)} ${'gold'.padStart(5)} ${'pred'.padStart(5)} ${'ok'.padStart(5)}   relaxed ${'P'.padStart(5)} ${'R'.padStart(5)} ${'F1'.padStart(5)}   strict ${'P'.padStart(5)} ${'R'.padStart(5)} ${'F1'.padStart(5)}`);
  const row = (name: string, a: Prf, b: Prf) =>
    `${name.padEnd(16)} ${String(a.gold).padStart(5)} ${String(a.predicted).padStart(5)} ${String(a.correct).padStart(5)}           ${pct(a.precision)} ${pct(a.recall)} ${pct(a.f1)}          ${pct(b.precision)} ${pct(b.recall)} ${pct(b.f1)}`;
  for (const p of PREDICATES) {
    const a = s.relaxed.byPredicate[p];
    if (a.gold || a.predicted) lines.push(row(p, a, s.strict.byPredicate[p]));
  }
  lines.push(row('micro', s.relaxed.micro, s.strict.micro));
  lines.push(
    `certainty accuracy ${pct(s.certainty.accuracy)} % of ${s.certainty.matched} matched; gold absent/possible right ${s.certainty.nonPresentRight}/${s.certainty.nonPresentGold}` +
      `; open-vocabulary share of predictions ${pct(s.openVocabularyShare)} %`,
  );
  lines.push(`synonym proposals: gold ${s.synonyms.gold}, proposed ${s.synonyms.predicted}, right ${s.synonyms.correct} → P ${pct(s.synonyms.precision)} R ${pct(s.synonyms.recall)}`);
  return lines.join('\n');
}
