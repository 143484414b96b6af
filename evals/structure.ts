import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError, type Lexicon, type Tokenizer } from '../core/index.ts';
import { StatedMentionReader } from '../knowledge/index.ts';
import { type ReportFinding, ReportStructurer } from '../reporting/index.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const STRUCTURE_EVAL_FILE = path.join(ROOT, 'evals/structure/gold.txt');

export const STRUCTURE_FIELDS = ['entity', 'certainty', 'location', 'segment', 'laterality', 'size', 'count'] as const;
type Field = (typeof STRUCTURE_FIELDS)[number];

/** One finding as the gold file (or a structurer, flattened) states it; null = not stated. */
export interface FlatFinding {
  entity: string;
  certainty: string;
  location: string | null;
  segment: string | null;
  laterality: string | null;
  sizes: string[];
  count: string | null;
}
export interface GoldSentence {
  split: 'dev' | 'heldout';
  text: string;
  findings: FlatFinding[];
}
export interface FieldScore { field: Field; gold: number; predicted: number; correct: number; precision: number; recall: number }
export interface StructureEvalResult {
  file: string;
  split: string;
  sentences: number;
  goldFindings: number;
  methods: Array<{ method: string; fields: FieldScore[] }>;
  /** Sentences where ours missed or mislabelled something (for reading, not for tuning on held-out). */
  errors: Array<{ text: string; missing: string[]; extra: string[] }>;
}

export function loadStructureGold(file = STRUCTURE_EVAL_FILE): GoldSentence[] {
  const out: GoldSentence[] = [];
  readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
    if (!line.trim() || line.startsWith('#')) return;
    const head = /^@ (dev|heldout) (.+)$/.exec(line);
    if (head) {
      out.push({ split: head[1] as GoldSentence['split'], text: head[2], findings: [] });
      return;
    }
    const f = line.split('|');
    const cur = out.at(-1);
    if (!cur || f.length !== 7 || !/^(present|absent|possible)$/.test(f[1])) throw new AppError('IMPORT_INVALID', `${file}:${i + 1}: expected entity|certainty|location|segment|laterality|sizes|count`);
    cur.findings.push({ entity: f[0], certainty: f[1], location: f[2] || null, segment: f[3] || null, laterality: f[4] || null, sizes: f[5] ? f[5].split(';') : [], count: f[6] || null });
  });
  return out;
}

export function flatten(f: ReportFinding): FlatFinding {
  return {
    entity: f.entity.text, certainty: f.certainty, location: f.location?.text ?? null, segment: f.segment, laterality: f.laterality,
    sizes: f.sizes.map((s) => s.text), count: f.count ? String(f.count.value) : null,
  };
}

const norm = (s: string) => s.toLowerCase().replace(/\s+/g, '');
const near = (a: string, b: string) => norm(a) === norm(b) || (norm(a).length >= 2 && norm(b).length >= 2 && (norm(a).includes(norm(b)) || norm(b).includes(norm(a))));

/** Precision / recall per field: a predicted value is correct when its finding matches a gold finding (same or contained name) and the value is the gold's. */
export function scoreStructure(gold: GoldSentence[], predict: (text: string) => FlatFinding[]): FieldScore[] {
  const tally = new Map<Field, { gold: number; predicted: number; correct: number }>(STRUCTURE_FIELDS.map((f) => [f, { gold: 0, predicted: 0, correct: 0 }]));
  const add = (field: Field, k: 'gold' | 'predicted' | 'correct', n = 1) => { (tally.get(field) as { gold: number; predicted: number; correct: number })[k] += n; };
  for (const s of gold) {
    const pred = predict(s.text);
    const used = new Set<number>();
    for (const g of s.findings) {
      add('entity', 'gold');
      add('certainty', 'gold');
      for (const k of ['location', 'segment', 'laterality', 'count'] as const) if (g[k]) add(k, 'gold');
      add('size', 'gold', g.sizes.length);
      const i = pred.findIndex((p, j) => !used.has(j) && near(p.entity, g.entity));
      if (i < 0) continue;
      used.add(i);
      const p = pred[i];
      add('entity', 'correct');
      if (p.certainty === g.certainty) add('certainty', 'correct');
      if (p.location && g.location && near(p.location, g.location)) add('location', 'correct');
      for (const k of ['segment', 'laterality', 'count'] as const) if (p[k] && g[k] && norm(p[k] as string) === norm(g[k] as string)) add(k, 'correct');
      add('size', 'correct', g.sizes.filter((x) => p.sizes.some((y) => norm(y) === norm(x))).length);
    }
    for (const p of pred) {
      add('entity', 'predicted');
      add('certainty', 'predicted');
      for (const k of ['location', 'segment', 'laterality', 'count'] as const) if (p[k]) add(k, 'predicted');
      add('size', 'predicted', p.sizes.length);
    }
  }
  return STRUCTURE_FIELDS.map((field) => {
    const t = tally.get(field) as { gold: number; predicted: number; correct: number };
    return { field, ...t, precision: t.predicted ? t.correct / t.predicted : 0, recall: t.gold ? t.correct / t.gold : 0 };
  });
}

const SIZE = /\d+(?:\.\d+)?(?:\s*[×xX*]\s*\d+(?:\.\d+)?)*\s*(?:mm|cm|毫米|厘米)/;

/**
 * The baseline: lexicon names of findings only (no unresolved words), negated only by a cue right before the
 * name (no list scope: 未见A及B negates A alone), hedged by a hedge anywhere in the sentence, the nearest
 * lexicon anatomy before it as location, the first size after it in the sentence, no count.
 */
export function baselineStructurer(lexicon: Lexicon, tokenizer: Tokenizer): (text: string) => FlatFinding[] {
  const reader = new StatedMentionReader(lexicon, tokenizer);
  return (text) => {
    const all = reader.read(text);
    return all.filter((m) => m.entry.type !== 'Anatomy' && ['Sign', 'Finding', 'Disease'].includes(m.entry.type)).map((m) => {
      const pre = text.slice(Math.max(0, m.start - 4), m.start);
      const certainty = /未见|无|排除|\bno\b|without/i.test(pre) ? 'absent' : /考虑|可能|不除外|待排|likely|possible|probabl|suspicious/i.test(text) ? 'possible' : 'present';
      const loc = all.filter((a) => a.entry.type === 'Anatomy' && a.end <= m.start).at(-1);
      const size = SIZE.exec(text.slice(m.end));
      const side = loc ? (/^(左|left)/i.test(loc.text) ? 'left' : /^(右|right)/i.test(loc.text) ? 'right' : /^(双|两|bilateral)/i.test(loc.text) ? 'bilateral' : null) : null;
      return { entity: m.text, certainty, location: loc?.text ?? null, segment: null, laterality: side, sizes: size ? [size[0]] : [], count: null };
    });
  };
}

/** `npm run eval -- structure [--split heldout]`: per-field P/R of the structurer beside the lexicon-only baseline. */
export function evaluateStructure(lexicon: Lexicon, tokenizer: Tokenizer, opts: { split: string; file?: string }): StructureEvalResult {
  const file = opts.file ?? STRUCTURE_EVAL_FILE;
  const gold = loadStructureGold(file).filter((s) => opts.split === 'all' || s.split === opts.split);
  const ours = new ReportStructurer(lexicon, tokenizer);
  const predict = (t: string) => ours.structure(t).findings.map(flatten);
  const errors: StructureEvalResult['errors'] = [];
  if (opts.split !== 'heldout') {
    for (const s of gold) {
      const key = (f: FlatFinding) => `${f.entity}|${f.certainty}|${f.location ?? ''}|${f.segment ?? ''}|${f.laterality ?? ''}|${f.sizes.join(';')}|${f.count ?? ''}`;
      const p = predict(s.text).map(key);
      const g = s.findings.map(key);
      if (p.join('\n') !== g.join('\n')) errors.push({ text: s.text, missing: g.filter((x) => !p.includes(x)), extra: p.filter((x) => !g.includes(x)) });
    }
  }
  return {
    file, split: opts.split, sentences: gold.length, goldFindings: gold.reduce((n, s) => n + s.findings.length, 0),
    methods: [
      { method: 'structurer (ours)', fields: scoreStructure(gold, predict) },
      { method: 'baseline: lexicon match, no scope', fields: scoreStructure(gold, baselineStructurer(lexicon, tokenizer)) },
    ],
    errors,
  };
}

export function printStructure(r: StructureEvalResult): void {
  const [ours, base] = r.methods;
  const lines = [
    `\n== structure (${r.split}): ${r.sentences} authored report sentences, ${r.goldFindings} gold findings ==`,
    `field        ${'ours P'.padStart(8)} ${'ours R'.padStart(8)} ${'base P'.padStart(8)} ${'base R'.padStart(8)}   gold`,
    ...ours.fields.map((f, i) => `${f.field.padEnd(12)} ${f.precision.toFixed(3).padStart(8)} ${f.recall.toFixed(3).padStart(8)} ${base.fields[i].precision.toFixed(3).padStart(8)} ${base.fields[i].recall.toFixed(3).padStart(8)}   ${String(f.gold).padStart(4)}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
