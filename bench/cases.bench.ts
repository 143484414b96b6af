import { CaseIndex, CaseVectorsRepository, type EvidenceRelation, EvidenceGraph, FindingsReader, type IndexedCase, rankDifferential, type StructuredFinding } from '../cases/index.ts';
import { sha256Hex } from '../core/index.ts';
import { migrate, PgliteDatabase } from '../store/index.ts';
import { loadLanguage } from '../core/index.ts';
import { HashEmbedder } from '../search/index.ts';
import { rng } from './random.ts';
import { ms, percentile, printTable } from './table.ts';

const CASES = 50_000;
const ENTITIES = 20_000;
const RELATIONS = 100_000;
const QUERIES = 200;

/**
 * Case matching (issue 18), in process on synthetic data:
 * - similar cases over 50,000 typical cases (findings drawn from the lexicon's signs and findings, with Chinese
 *   findings text and negations): query p50/p95 including reading the pasted text into findings, beside a
 *   brute-force baseline that scores every case (the same weighted overlap, no inverted index);
 * - the differential over a 20,000-entity / 100,000-relation approved graph: p50/p95 per query, beside a naive
 *   baseline that scans every relation for each query (unweighted sign count).
 * The database read and the index build happen once per change of the library or graph (cached), reported apart.
 */
export async function runCasesBench() {
  const { lexicon, tokenizer } = loadLanguage();
  const reader = new FindingsReader(lexicon, tokenizer);
  const rand = rng(18);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
  const vocab = lexicon.entries.filter((e) => e.type === 'Sign' || e.type === 'Finding');
  const anatomy = lexicon.entries.filter((e) => e.type === 'Anatomy').map((e) => e.zh);

  // --- similar cases ---
  const texts: string[] = [];
  const caseText: string[] = [];
  const t0 = performance.now();
  const cases: IndexedCase[] = [];
  for (let i = 0; i < CASES; i++) {
    const k = 3 + Math.floor(rand() * 6);
    const findings: StructuredFinding[] = [];
    const parts: string[] = [];
    for (let j = 0; j < k; j++) {
      const e = pick(vocab);
      const absent = rand() < 0.2;
      findings.push({ entityId: e.id, finding: e.zh, certainty: absent ? 'absent' : 'present', location: null, sizeMm: null });
      parts.push(absent ? `未见${e.zh}` : `${pick(anatomy)}见${e.zh}`);
    }
    const text = `${parts.join('，')}。`;
    if (i < QUERIES) texts.push(text);
    caseText.push(text);
    cases.push({ id: `c${i}`, modality: pick(['CT', 'MR', 'DR', 'US']), bodyPart: pick(['胸部', '腹部', '头颅', '盆腔']), findings, terms: tokenizer.indexStreams(text).words.map((t) => t.lexeme) });
  }
  const tokenizeSeconds = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  const index = new CaseIndex(cases);
  const buildMs = performance.now() - t1;
  const queries = texts.map((t) => t.replace(/。$/, '，少量胸腔积液。'));
  const timeSimilar = (fn: (q: string) => unknown) => {
    for (const q of queries.slice(0, 20)) fn(q);
    return queries.map((q) => {
      const s = performance.now();
      fn(q);
      return performance.now() - s;
    });
  };
  const full = timeSimilar((q) => index.search({ findings: reader.read(q).findings, terms: tokenizer.indexStreams(q).words.map((t) => t.lexeme), top: 5 }));
  // The same library with the offline embedder's vectors (256 dims): the query is embedded and scanned against every case.
  const embedder = new HashEmbedder(tokenizer);
  const tEmbed = performance.now();
  const caseTexts = cases.map((_, i) => caseText[i]);
  const vectors = await embedder.embed(caseTexts, 'document');
  const embedSeconds = (performance.now() - tEmbed) / 1000;
  const vectorIndex = new CaseIndex(cases.map((c, i) => ({ ...c, vector: vectors[i] })));
  const withVectors = timeSimilar((q) => {
    const vector = embedder.embedOne(q);
    return vectorIndex.search({ findings: reader.read(q).findings, terms: tokenizer.indexStreams(q).words.map((t) => t.lexeme), top: 5, vector });
  });
  // The vector scan alone, both layouts over the same vectors and query vectors: row by row over every dimension (as
  // before, issue 18 apps5) and dimension-major skipping the query's zero dimensions (CaseIndex now).
  const dims = vectors[0].length;
  const rowMajor = new Float32Array(CASES * dims);
  const colMajor = new Float32Array(CASES * dims);
  for (let i = 0; i < CASES; i++) for (let k = 0; k < dims; k++) {
    rowMajor[i * dims + k] = vectors[i][k];
    colMajor[k * CASES + i] = vectors[i][k];
  }
  const queryVectors = new Map(queries.map((q) => [q, embedder.embedOne(q)]));
  const scanRows = timeSimilar((q) => {
    const v = queryVectors.get(q) as Float32Array;
    const out = new Float32Array(CASES);
    for (let i = 0; i < CASES; i++) {
      let sum = 0;
      for (let k = 0, o = i * dims; k < dims; k++, o++) sum += rowMajor[o] * v[k];
      out[i] = Math.max(0, sum);
    }
    return out;
  });
  const scanColumns = timeSimilar((q) => {
    const v = queryVectors.get(q) as Float32Array;
    const out = new Float64Array(CASES);
    for (let k = 0; k < dims; k++) {
      const w = v[k];
      if (w === 0) continue;
      const col = colMajor.subarray(k * CASES, (k + 1) * CASES);
      for (let i = 0; i < CASES; i++) out[i] += col[i] * w;
    }
    for (let i = 0; i < CASES; i++) if (out[i] < 0) out[i] = 0;
    return out;
  });
  // Dense vectors as a model embedder gives them (e5-small: 384 dims, every dimension non-zero): random unit vectors,
  // the worst case for the scan (the hash embedder's queries are sparse, about a quarter of their dimensions).
  const DENSE = 384;
  const unit = () => {
    const v = Float32Array.from({ length: DENSE }, () => rand() * 2 - 1);
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  };
  const denseIndex = new CaseIndex(cases.map((c) => ({ ...c, vector: unit() })));
  const denseQueries = new Map(queries.map((q) => [q, unit()]));
  const withDense = timeSimilar((q) => denseIndex.search({ findings: reader.read(q).findings, terms: tokenizer.indexStreams(q).words.map((t) => t.lexeme), top: 5, vector: denseQueries.get(q) }));
  // Starting again with the library's vectors kept in case_vectors (migration 089): read back, not embedded again.
  const db = await PgliteDatabase.open();
  await migrate(db);
  const store = new CaseVectorsRepository(db);
  const hashes = caseTexts.map((t) => sha256Hex(t));
  const tPut = performance.now();
  await store.put(embedder.model, hashes.map((h, i) => [h, vectors[i]] as const));
  const putSeconds = (performance.now() - tPut) / 1000;
  const tGet = performance.now();
  const readBack = await store.get(embedder.model, hashes);
  const readSeconds = (performance.now() - tGet) / 1000;
  await db.close();
  if (readBack.size !== new Set(hashes).size) throw new Error(`case_vectors read back ${readBack.size} of ${new Set(hashes).size} vectors`);
  const brute = timeSimilar((q) => {
    const f = reader.read(q).findings;
    const ids = new Map(f.map((x) => [x.entityId, x.certainty]));
    let best: Array<[number, string]> = [];
    for (const c of cases) {
      let overlap = 0;
      let union = 0;
      for (const x of c.findings) {
        const w = index.findingWeight(x.entityId as string);
        union += w;
        if (ids.get(x.entityId) === x.certainty) overlap += w;
      }
      best.push([union ? overlap / union : 0, c.id]);
      if (best.length > 64) best = best.sort((a, b) => b[0] - a[0]).slice(0, 5);
    }
    return best.sort((a, b) => b[0] - a[0]).slice(0, 5);
  });

  // --- differential ---
  const diseases = Array.from({ length: ENTITIES / 5 }, (_, i) => ({ id: `d${i}`, type: 'Disease', nameZh: `疾病${i}`, nameEn: '' }));
  const signs = Array.from({ length: ENTITIES - diseases.length }, (_, i) => ({ id: `s${i}`, type: 'Sign', nameZh: `征象${i}`, nameEn: '' }));
  const relations: EvidenceRelation[] = [];
  // Sign popularity is skewed (a few signs belong to many diseases), as in real graphs.
  const skewed = () => signs[Math.floor(signs.length * rand() ** 2.5)];
  for (let i = 0; i < RELATIONS; i++) {
    const d = diseases[i % diseases.length];
    const s = skewed();
    relations.push({
      id: `r${i}`, predicate: rand() < 0.8 ? 'has_sign' : 'suggests', subject: d, object: s, certainty: rand() < 0.08 ? 'absent' : rand() < 0.15 ? 'possible' : 'present',
      evidence: [{ sourceTitle: '合成指南', version: '2025版', year: 2025, page: 1 + (i % 300), quote: '合成依据。' }],
    });
  }
  for (const r of relations) if (r.predicate === 'suggests') [r.subject, r.object] = [r.object, r.subject];
  const t2 = performance.now();
  const graph = new EvidenceGraph(relations);
  const graphMs = performance.now() - t2;
  const dq = Array.from({ length: QUERIES }, () => Array.from({ length: 6 }, () => ({ entityId: skewed().id, finding: '', certainty: rand() < 0.25 ? 'absent' : 'present', location: null, sizeMm: null }) as StructuredFinding));
  const timeDiff = (fn: (q: StructuredFinding[]) => unknown) => {
    for (const q of dq.slice(0, 20)) fn(q);
    return dq.map((q) => {
      const s = performance.now();
      fn(q);
      return performance.now() - s;
    });
  };
  const ranked = timeDiff((q) => rankDifferential(graph, q, { top: 10 }));
  const naive = timeDiff((q) => {
    const stated = new Set(q.filter((f) => f.certainty !== 'absent').map((f) => f.entityId));
    const counts = new Map<string, number>();
    for (const r of relations) {
      const [d, s] = r.predicate === 'has_sign' ? [r.subject.id, r.object.id] : [r.object.id, r.subject.id];
      if (stated.has(s)) counts.set(d, (counts.get(d) ?? 0) + 1);
    }
    return [...counts].sort((a, b) => b[1] - a[1]).slice(0, 10);
  });

  const row = (name: string, v: number[]) => [name, ms(percentile(v, 50)), ms(percentile(v, 95))];
  printTable(`Similar cases over ${CASES.toLocaleString()} cases (${QUERIES} queries; index build ${buildMs.toFixed(0)} ms, tokenising the library ${tokenizeSeconds.toFixed(1)} s)`, ['method', 'p50', 'p95'], [
    row('ours: inverted index, findings + BM25 (incl. reading the text)', full),
    row(`ours + vectors (hash 256-d, query embedded; library embedded once in ${embedSeconds.toFixed(1)} s)`, withVectors),
    row(`ours + vectors (dense ${DENSE}-d unit vectors, as e5-small; query vector given)`, withDense),
    row('baseline: brute-force weighted overlap over every case', brute),
  ]);
  printTable(`Vector scan alone, ${CASES.toLocaleString()} cases × ${dims} dims (hash vectors; the same query vectors)`, ['layout', 'p50', 'p95'], [
    row('before: row-major, every dimension', scanRows), row('now: dimension-major, zero query dimensions skipped', scanColumns),
  ]);
  printTable(`Library vectors at start, ${CASES.toLocaleString()} cases (hash 256-d; case_vectors in embedded PGlite, in memory)`, ['way', 'seconds'], [
    ['embed every case (before: in-memory cache only, every process start)', embedSeconds.toFixed(1)],
    ['read back from case_vectors (after: a restart)', readSeconds.toFixed(1)],
    ['write to case_vectors (once, when first embedded)', putSeconds.toFixed(1)],
  ]);
  printTable(`Differential over ${ENTITIES.toLocaleString()} entities / ${RELATIONS.toLocaleString()} relations (${QUERIES} queries of 6 findings; graph build ${graphMs.toFixed(0)} ms)`, ['method', 'p50', 'p95'], [
    row('ours: weighted evidence, citations, discriminators', ranked), row('baseline: scan every relation, count signs', naive),
  ]);
  return {
    similar: { cases: CASES, p50Ms: percentile(full, 50), p95Ms: percentile(full, 95), vectorP50Ms: percentile(withVectors, 50), vectorP95Ms: percentile(withVectors, 95), denseP50Ms: percentile(withDense, 50), denseP95Ms: percentile(withDense, 95), vectorsReadSeconds: readSeconds, scanRowsP95Ms: percentile(scanRows, 95), scanColumnsP95Ms: percentile(scanColumns, 95), vectorsWriteSeconds: putSeconds, baselineP95Ms: percentile(brute, 95), buildMs, tokenizeSeconds, embedSeconds },
    differential: { entities: ENTITIES, relations: RELATIONS, p50Ms: percentile(ranked, 50), p95Ms: percentile(ranked, 95), baselineP95Ms: percentile(naive, 95), graphMs },
  };
}
