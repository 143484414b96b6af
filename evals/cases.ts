import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CaseInputParsed, CaseInputSchema, Cases, type EvidenceGraph, FindingsReader, MIX, MIX_WITH_VECTORS, type Mix } from '../cases/index.ts';
import { AppError, deidentify } from '../core/index.ts';
import type { Runtime } from '../runtime/index.ts';
import type { Embedder } from '../search/index.ts';
import { type NarrativeRecord, type NarrativeSummary, narrativeRecord, printNarratives, summariseNarratives } from './cases-narrative.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const CASES_EVAL_FILE = path.join(ROOT, 'evals/cases/cases.jsonl');
const FIXTURE_TYPICAL = path.join(ROOT, 'tests/fixtures/cases/typical-cases.json');

export interface Accuracy { method: string; n: number; top1: number; top3: number }
export interface Retrieval { method: string; n: number; precisionAt5: number; hitAt5: number; mrr: number }
export interface CasesEvalResult {
  file: string;
  split: string;
  cases: number;
  typicalCases: number;
  graph: { relations: number; diseases: number };
  /** Eval cases whose diagnosis the approved graph cannot rank (no approved relations): counted as misses. */
  diagnosesWithoutRelations: number;
  differential: Accuracy[];
  similar: Retrieval[];
  engine: string;
  /** The embedder whose vectors the "+ vectors" rows used (null: none configured, those rows equal the others). */
  embedder: string | null;
  /** With a model (`--model`): the comparison narrative of every eval case, beside the same requests to a service without one. */
  narratives?: NarrativeSummary;
}

function loadEvalCases(file: string, split: string): Array<CaseInputParsed & { id: string }> {
  if (!existsSync(file)) throw new AppError('NOT_FOUND', `评测集不存在 / evaluation set missing: ${file}`, { field: 'file' });
  const out: Array<CaseInputParsed & { id: string }> = [];
  readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const r = CaseInputSchema.safeParse(JSON.parse(line));
    if (!r.success) throw new AppError('IMPORT_INVALID', `${file}:${i + 1}: ${r.error.issues[0].path.join('.')}: ${r.error.issues[0].message}`);
    if (split === 'all' || r.data.split === split) out.push({ ...r.data, id: r.data.id ?? `line-${i + 1}` });
  });
  return out;
}

/**
 * `npm run eval -- cases`: the differential's top-1/top-3 accuracy and similar-case precision@5 on the authored
 * evaluation cases (relevant = an approved typical case with the same final diagnosis), each beside a baseline
 * run on the same data in the same run: for the differential an unweighted count of the graph signs the text
 * names (no negation, no specificity) and a vote of the 5 most similar typical cases; for retrieval plain BM25
 * over the findings text. Ours is shown whole and with the graph alone (case weight 0); `caseWeights` adds rows for
 * other weights (the dev split chose the default).
 */
export async function evaluateCases(rt: Runtime, opts: { split: string; file?: string; caseWeights?: number[]; vectorWeights?: number[]; caseEmbedders?: Embedder[]; limit?: number; narrate?: boolean; progress?: (s: string) => void }): Promise<CasesEvalResult> {
  const file = opts.file ?? CASES_EVAL_FILE;
  const all = loadEvalCases(file, opts.split);
  const cases = opts.limit !== undefined ? all.slice(0, opts.limit) : all;
  const svc = rt.cases.service;
  let typical = (await svc.list({ status: 'approved' }, { limit: 1, offset: 0 })).total;
  if (!typical && existsSync(FIXTURE_TYPICAL)) {
    opts.progress?.('no approved typical cases: importing the test fixtures');
    await svc.importFile(readFileSync(FIXTURE_TYPICAL), 'typical-cases.json', 'eval', { status: 'approved', demo: true });
    typical = (await svc.list({ status: 'approved' }, { limit: 1, offset: 0 })).total;
  }
  const graph = await svc.evidenceGraph();
  const approved = (await svc.list({ status: 'approved' }, { limit: 200, offset: 0 })).items;
  const library = new Map(approved.map((c) => [c.id, c]));
  for (let offset = 200; library.size < typical; offset += 200) for (const c of (await svc.list({ status: 'approved' }, { limit: 200, offset })).items) library.set(c.id, c);
  const lexicon = rt.lexicon;
  const idOf = (name: string) => lexicon.lookup(name)?.id ?? null;
  const targets = (c: CaseInputParsed) => {
    const names = [c.finalDiagnosis.name, ...c.acceptableDiagnoses];
    return { names: new Set(names), ids: new Set(names.map(idOf).filter((x): x is string => !!x)) };
  };
  const hitsTarget = (t: ReturnType<typeof targets>, id: string | null | undefined, name: string) => t.names.has(name) || (!!id && t.ids.has(id));
  const noNegation = new FindingsReader(lexicon, rt.tokenizer);

  const OURS = 'differential (graph + cases)';
  const OURS_NO_VECTORS = '  same, voters with vectors';
  const GRAPH_ONLY = 'differential, graph only';
  const ranks: Record<string, Array<number | null>> = { [OURS]: [], [OURS_NO_VECTORS]: [], [GRAPH_ONLY]: [], 'baseline: sign count': [], 'baseline: similar-case vote': [] };
  const sweep = opts.caseWeights ?? [];
  for (const w of sweep) ranks[`  case weight ${w}`] = [];
  // "Before" is the index without its vector part (MIX); "after" is the default with vectors (MIX_WITH_VECTORS).
  const SIM = 'similar (findings+BM25+vectors)';
  const SIM_BEFORE = 'similar (findings + BM25)';
  const retrieval: Record<string, { p5: number[]; rr: number[] }> = { [SIM]: { p5: [], rr: [] }, [SIM_BEFORE]: { p5: [], rr: [] }, 'vectors only': { p5: [], rr: [] }, 'baseline: BM25 text only': { p5: [], rr: [] } };
  // The vector part's weight is chosen on the dev split (taken from the text part); held-out runs the default once.
  const vectorSweep = opts.vectorWeights ?? (opts.split === 'dev' ? [0.05, 0.1, 0.15, 0.25, 0.35] : []);
  const sweepMix = (w: number): Mix => ({ findings: MIX.findings, text: Math.max(0, MIX.text - w), vector: w });
  for (const w of vectorSweep) retrieval[`  vector weight ${w}`] = { p5: [], rr: [] };
  // Other embedders (`--case-embedder e5`) score the same cases in the same run: a second case service over the same
  // database whose vectors come from that embedder (the corpus, graph and typical cases are the same).
  const others = (opts.caseEmbedders ?? []).map((embedder) => ({
    label: embedder.model, svc: new Cases({ db: rt.db, lexicon: rt.lexicon, tokenizer: rt.tokenizer, knowledge: rt.knowledge, keyring: rt.keyring, embedder }).service,
  }));
  for (const o of others) {
    retrieval[`${SIM} [${o.label}]`] = { p5: [], rr: [] };
    retrieval[`vectors only [${o.label}]`] = { p5: [], rr: [] };
    ranks[`${OURS} [${o.label}]`] = [];
    ranks[`${OURS_NO_VECTORS} [${o.label}]`] = [];
  }
  // With a model: each case's differential is asked for its narrative, and the same request goes to a case service
  // over the same database with no model (the structured comparison alone), so both rankings come from one run.
  const model = opts.narrate ? (rt.llm?.model ?? null) : null;
  const WITH_MODEL = `differential + narrative [${model}]`;
  const WITHOUT_MODEL = 'differential + narrative [no model]';
  const SIM_NO_MODEL = 'similar [no model service]';
  const bare = opts.narrate ? new Cases({ db: rt.db, lexicon: rt.lexicon, tokenizer: rt.tokenizer, knowledge: rt.knowledge, keyring: rt.keyring, embedder: rt.embedder, llm: () => null }).service : null;
  const narratives: NarrativeRecord[] = [];
  if (bare) {
    ranks[WITH_MODEL] = [];
    ranks[WITHOUT_MODEL] = [];
    retrieval[SIM_NO_MODEL] = { p5: [], rr: [] };
  }
  let withoutRelations = 0;
  for (const [i, c] of cases.entries()) {
    const t = targets(c);
    if (![...t.ids].some((id) => graph.hasRelations(id))) withoutRelations++;
    const rankBy = async (caseWeight?: number) => rankOf((await svc.differential({ findings: c.findingsText, top: 10, caseWeight })).ranked.map((r) => hitsTarget(t, r.entityId, r.name)));
    ranks[OURS].push(await rankBy());
    ranks[GRAPH_ONLY].push(await rankBy(0));
    ranks[OURS_NO_VECTORS].push(rankOf((await svc.differential({ findings: c.findingsText, top: 10 }, { mix: MIX_WITH_VECTORS })).ranked.map((r) => hitsTarget(t, r.entityId, r.name))));
    for (const w of sweep) ranks[`  case weight ${w}`].push(await rankBy(w));
    ranks['baseline: sign count'].push(rankOf(signCount(graph, noNegation, c.findingsText).map((id) => hitsTarget(t, id, graph.name(id)))));
    const s = await svc.similar({ findings: c.findingsText, top: 5 });
    const votes = new Map<string, number>();
    for (const h of s.hits) {
      const key = h.case.finalDiagnosis.entityId ?? h.case.finalDiagnosis.name;
      votes.set(key, (votes.get(key) ?? 0) + h.score);
    }
    ranks['baseline: similar-case vote'].push(rankOf([...votes].sort((a, b) => b[1] - a[1]).map(([k]) => hitsTarget(t, k, k))));
    const relevant = (id: string) => {
      const tc = library.get(id);
      return !!tc && (hitsTarget(t, tc.finalDiagnosis.entityId, tc.finalDiagnosis.name) || t.names.has(tc.finalDiagnosis.name));
    };
    score(retrieval[SIM], s.hits.map((h) => relevant(h.caseId)));
    const similarWith = async (mix: Mix) => (await svc.similar({ findings: c.findingsText, top: 5 }, { mix })).hits.map((h) => relevant(h.caseId));
    score(retrieval[SIM_BEFORE], await similarWith(MIX));
    score(retrieval['vectors only'], await similarWith({ findings: 0, text: 0, vector: 1 }));
    for (const w of vectorSweep) score(retrieval[`  vector weight ${w}`], await similarWith(sweepMix(w)));
    score(retrieval['baseline: BM25 text only'], (await svc.similarByTextOnly(c.findingsText, 5)).map(relevant));
    for (const o of others) {
      const sx = await o.svc.similar({ findings: c.findingsText, top: 5 });
      if (!sx.vectors.used) throw new AppError('EMBEDDER_UNAVAILABLE', `${o.label}: ${sx.vectors.note ?? 'no vectors'}`);
      score(retrieval[`${SIM} [${o.label}]`], sx.hits.map((h) => relevant(h.caseId)));
      score(retrieval[`vectors only [${o.label}]`], (await o.svc.similar({ findings: c.findingsText, top: 5 }, { mix: { findings: 0, text: 0, vector: 1 } })).hits.map((h) => relevant(h.caseId)));
      ranks[`${OURS} [${o.label}]`].push(rankOf((await o.svc.differential({ findings: c.findingsText, top: 10 })).ranked.map((r) => hitsTarget(t, r.entityId, r.name))));
      ranks[`${OURS_NO_VECTORS} [${o.label}]`].push(rankOf((await o.svc.differential({ findings: c.findingsText, top: 10 }, { mix: MIX_WITH_VECTORS })).ranked.map((r) => hitsTarget(t, r.entityId, r.name))));
    }
    if (bare) {
      const request = { findings: c.findingsText, top: 10, narrate: true };
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const withModel = await svc.differential(request);
      const ms = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      const withoutModel = await bare.differential(request);
      ranks[WITH_MODEL].push(rankOf(withModel.ranked.map((r) => hitsTarget(t, r.entityId, r.name))));
      ranks[WITHOUT_MODEL].push(rankOf(withoutModel.ranked.map((r) => hitsTarget(t, r.entityId, r.name))));
      score(retrieval[SIM_NO_MODEL], (await bare.similar({ findings: c.findingsText, top: 5 })).hits.map((h) => relevant(h.caseId)));
      const rec = narrativeRecord(c.id, c.findingsText, withModel, withoutModel, ms, (cpu.user + cpu.system) / 1000);
      narratives.push(rec);
      // One line per narrative, complete enough to summarise a run stopped before its end.
      opts.progress?.(`  narrative ${i + 1}/${cases.length} ${c.id}: ${rec.status}, ${rec.kept}/${rec.sentences} sentences kept, invented numbers ${rec.inventedNumbers.length} (kept ${rec.inventedKept.length}), ${(rec.ms / 1000).toFixed(1)} s wall / ${(rec.cpuMs / 1000).toFixed(1)} s CPU, ranking ${rec.sameRanking ? 'same' : 'DIFFERS'}${rec.status === 'failed' ? `: ${rec.note}` : ''}`);
    }
    if ((i + 1) % 10 === 0) opts.progress?.(`  cases ${i + 1}/${cases.length}`);
  }
  const acc = (method: string): Accuracy => {
    const r = ranks[method];
    return { method, n: r.length, top1: share(r.filter((x) => x === 1).length, r.length), top3: share(r.filter((x) => x !== null && x <= 3).length, r.length) };
  };
  return {
    file: path.relative(ROOT, file), split: opts.split, cases: cases.length, typicalCases: typical, graph: { relations: graph.relationCount, diseases: graph.signsOf.size },
    diagnosesWithoutRelations: withoutRelations, engine: 'deterministic (YZ_LLM does not change the ranking)', embedder: [rt.embedder.model, ...others.map((o) => o.label)].join(' + '),
    differential: Object.keys(ranks).map(acc),
    similar: Object.entries(retrieval).map(([method, v]) => ({ method, n: v.p5.length, precisionAt5: mean(v.p5), hitAt5: mean(v.rr.map((x) => (x > 0 ? 1 : 0))), mrr: mean(v.rr) })),
    ...(bare ? { narratives: summariseNarratives(model, narratives) } : {}),
  };
}

/** Diseases by how many of their approved graph signs the text names, negated or not, unweighted. */
function signCount(graph: EvidenceGraph, reader: FindingsReader, text: string): string[] {
  const named = reader.read(deidentify(text).text).findings.map((f) => ({ ...f, certainty: 'present' as const }));
  const counts = new Map<string, number>();
  for (const f of named) for (const d of (f.entityId && graph.diseasesOf.get(f.entityId)) || []) counts.set(d, (counts.get(d) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([d]) => d);
}

function rankOf(hits: boolean[]): number | null {
  const i = hits.indexOf(true);
  return i < 0 ? null : i + 1;
}

function score(acc: { p5: number[]; rr: number[] }, hits: boolean[]) {
  acc.p5.push(hits.slice(0, 5).filter(Boolean).length / 5);
  const r = rankOf(hits);
  acc.rr.push(r ? 1 / r : 0);
}

const share = (a: number, b: number) => (b ? Math.round((a / b) * 1000) / 1000 : 0);
const mean = (xs: number[]) => (xs.length ? Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 1000) / 1000 : 0);

export function printCases(r: CasesEvalResult): void {
  const lines = [
    `\n== cases (${r.split}): ${r.cases} eval cases, ${r.typicalCases} approved typical cases, graph ${r.graph.diseases} diseases / ${r.graph.relations} sign relations; ${r.diagnosesWithoutRelations} diagnoses have no approved relations; vectors: ${r.embedder ?? 'none'} (default weights ${MIX_WITH_VECTORS.findings}/${MIX_WITH_VECTORS.text}/${MIX_WITH_VECTORS.vector}) ==`,
    'differential                       n     top-1   top-3',
    ...r.differential.map((a) => `${a.method.padEnd(32)} ${String(a.n).padStart(4)}   ${a.top1.toFixed(3)}   ${a.top3.toFixed(3)}`),
    'similar cases                      n     P@5     hit@5   MRR',
    ...r.similar.map((s) => `${s.method.padEnd(32)} ${String(s.n).padStart(4)}   ${s.precisionAt5.toFixed(3)}   ${s.hitAt5.toFixed(3)}   ${s.mrr.toFixed(3)}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (r.narratives) printNarratives(r.narratives);
}
