import { describe, expect, it } from 'vitest';
import { buildTimeline, CaseIndex, type EvidenceRelation, EvidenceGraph, FindingsReader, MIX_WITH_VECTORS, rankDifferential, type StructuredFinding } from '../cases/index.ts';
import { loadLanguage } from '../core/index.ts';
import { HashEmbedder } from '../search/index.ts';

/**
 * Case matching engines on their own (no database): findings from Chinese, English and mixed text with the
 * extractor's negation cues; the differential on a small synthetic approved graph (absent findings count
 * against, superseded-only relations are not used); explained similar-case scores; the timeline's VDT.
 */
const { lexicon, tokenizer } = loadLanguage();
const reader = new FindingsReader(lexicon, tokenizer);
const stated = (text: string) => Object.fromEntries(reader.read(text).findings.map((f) => [f.entityId, f.certainty]));

describe('structured findings from free text', () => {
  it('reads Chinese findings with negation, location and a stated size', () => {
    const r = reader.read('右肺上叶见磨玻璃结节，大小约8mm，可见分叶征及毛刺征，未见钙化，无胸腔积液。');
    const byId = Object.fromEntries(r.findings.map((f) => [f.entityId, f]));
    expect(byId['sign.ground_glass_nodule']).toMatchObject({ certainty: 'present', location: '右肺上叶', sizeMm: 8 });
    expect(byId['sign.spiculation'].certainty).toBe('present');
    expect(byId['find.calcification'].certainty).toBe('absent');
    expect(byId['find.pleural_effusion']).toMatchObject({ certainty: 'absent', sizeMm: null });
  });

  it('reads English and mixed text, hedges included', () => {
    expect(stated('Right lower lobe consolidation with air bronchogram, no pleural effusion; cavitation cannot be excluded.')).toMatchObject({
      'find.consolidation': 'present', 'sign.air_bronchogram': 'present', 'find.pleural_effusion': 'absent', 'find.cavity': 'possible',
    });
    expect(stated('左肺下叶实变，可见 air bronchogram，no cavity。')).toMatchObject({ 'find.consolidation': 'present', 'sign.air_bronchogram': 'present', 'find.cavity': 'absent' });
  });

  it('reports contradictory statements of one finding instead of silently picking one', () => {
    const r = reader.read('右侧少量胸腔积液。双侧未见胸腔积液。');
    expect(r.contradictions.map((c) => c.entityId)).toEqual(['find.pleural_effusion']);
  });

  it('finds nothing in empty or clinical-free text', () => {
    expect(reader.read('').findings).toEqual([]);
    expect(reader.read('患者复查。').findings).toEqual([]);
  });
});

const E = (id: string, type: string, nameZh: string) => ({ id, type, nameZh, nameEn: id });
const D = { a: E('d_a', 'Disease', '甲病'), b: E('d_b', 'Disease', '乙病'), c: E('d_c', 'Disease', '丙病') };
const S = { x: E('s_x', 'Sign', '征象X'), y: E('s_y', 'Sign', '征象Y'), z: E('s_z', 'Sign', '征象Z'), w: E('s_w', 'Sign', '征象W') };
let n = 0;
const rel = (d: { id: string }, s: { id: string }, certainty: EvidenceRelation['certainty'] = 'present', extra: Partial<EvidenceRelation> = {}): EvidenceRelation => ({
  id: `r${++n}`, predicate: 'has_sign', subject: Object.values(D).find((e) => e.id === d.id) as EvidenceRelation['subject'],
  object: Object.values(S).find((e) => e.id === s.id) as EvidenceRelation['object'], certainty,
  evidence: [{ sourceTitle: '合成指南（测试）', version: '2025版', year: 2025, page: 4, quote: '测试依据。' }], ...extra,
});
// X: only 甲 (specific); Y: 甲 and 乙; Z: only 乙; W: only 丙, stated through `suggests` from the sign side.
const relations = [rel(D.a, S.x), rel(D.a, S.y), rel(D.b, S.y), rel(D.b, S.z), rel(D.a, S.z, 'absent'),
  { ...rel(D.c, S.w), predicate: 'suggests', subject: S.w, object: D.c } as EvidenceRelation];
const f = (entityId: string, certainty: StructuredFinding['certainty'] = 'present'): StructuredFinding => ({ entityId, finding: entityId, certainty, location: null, sizeMm: null });

describe('differential over an approved graph', () => {
  const graph = new EvidenceGraph(relations);

  it('ranks by specificity-weighted evidence and cites relation ids and passages', () => {
    const r = rankDifferential(graph, [f('s_x'), f('s_y')]);
    expect(r.ranked.map((d) => d.entityId)).toEqual(['d_a', 'd_b']);
    const top = r.ranked[0];
    expect(top.supporting.map((s) => s.entityId).sort()).toEqual(['s_x', 's_y']);
    expect(top.supporting[0].relationIds.length).toBe(1);
    expect(top.supporting[0].passages[0]).toMatchObject({ title: '合成指南（测试）', version: '2025版', year: 2025, page: 4 });
    // A specific sign weighs more than a shared one.
    const w = Object.fromEntries(top.supporting.map((s) => [s.entityId, s.weight]));
    expect(w.s_x).toBeGreaterThan(w.s_y);
    // Z separates 甲 (states it absent) from 乙 (has it): suggested to look for.
    expect(r.suggestions.map((s) => s.entityId)).toContain('s_z');
  });

  it('counts a finding stated absent against the diseases that have it', () => {
    const without = rankDifferential(graph, [f('s_y')]);
    const withAbsentX = rankDifferential(graph, [f('s_y'), f('s_x', 'absent')]);
    expect(without.ranked.map((d) => d.entityId)).toEqual(['d_a', 'd_b']);
    expect(withAbsentX.ranked[0].entityId).toBe('d_b');
    const a = withAbsentX.ranked.find((d) => d.entityId === 'd_a');
    expect(a?.contradicting.map((c) => [c.entityId, c.stated])).toEqual([['s_x', 'absent']]);
  });

  it('counts a finding the graph says a disease lacks against it', () => {
    const r = rankDifferential(graph, [f('s_y'), f('s_z')]);
    const a = r.ranked.find((d) => d.entityId === 'd_a');
    expect(a?.contradicting.map((c) => [c.entityId, c.graph])).toEqual([['s_z', 'absent']]);
    expect(r.ranked[0].entityId).toBe('d_b');
  });

  it('reads suggests from the sign side and leaves out relations whose every source is superseded', () => {
    expect(rankDifferential(graph, [f('s_w')]).ranked.map((d) => d.entityId)).toEqual(['d_c']);
    const stale = new EvidenceGraph([...relations.slice(0, 5), { ...relations[5], stale: true }]);
    expect(rankDifferential(stale, [f('s_w')]).ranked).toEqual([]);
    expect(stale.hasRelations('d_c')).toBe(false);
    expect(rankDifferential(stale, [f('s_w')]).unlinked).toEqual(['s_w']);
  });
});

describe('similar cases, explained', () => {
  const graph = new EvidenceGraph(relations);
  const index = new CaseIndex([
    { id: 'c1', modality: 'CT', bodyPart: '胸部', findings: [f('s_x'), f('s_y')], terms: ['征象', 'x'] },
    { id: 'c2', modality: 'CT', bodyPart: '胸部', findings: [f('s_y'), f('s_z')], terms: ['征象', 'z'] },
    { id: 'c3', modality: 'MR', bodyPart: '胸部', findings: [f('s_x'), f('s_y', 'absent')], terms: ['征象'] },
  ], (id) => (graph.diseasesOf.has(id) ? graph.specificity(id) : undefined));

  it('weights shared findings by specificity and names shared, missing and conflicting findings', () => {
    const hits = index.search({ findings: [f('s_x'), f('s_y')], terms: ['x'], top: 5 });
    expect(hits[0].caseId).toBe('c1');
    expect(hits[0].shared.map((s) => s.entityId).sort()).toEqual(['s_x', 's_y']);
    const c3 = hits.find((h) => h.caseId === 'c3');
    expect(c3?.conflicting).toEqual([{ finding: 's_y', query: 'present', case: 'absent' }]);
    const c2 = hits.find((h) => h.caseId === 'c2');
    expect(c2?.onlyQuery).toEqual(['s_x']);
    expect(c2?.onlyCase).toEqual(['s_z']);
    expect(hits[0].score).toBeCloseTo(hits[0].shared.reduce((s, x) => s + x.contribution, 0) + 0.35 * hits[0].textScore, 2);
  });

  it('filters by modality', () => {
    expect(index.search({ findings: [f('s_x')], terms: [], modality: 'MR', top: 5 }).map((h) => h.caseId)).toEqual(['c3']);
  });

  it('adds a vector part (the search embedder\'s cosine), explained beside findings and text, and finds a case sharing neither', async () => {
    const embedder = new HashEmbedder(tokenizer);
    const texts = ['右肺上叶空洞，壁厚，内可见气液平面。', '左肺下叶实变，内见支气管充气征。', '子宫前壁下段肌层变薄，膀胱线中断。'];
    const vectors = await embedder.embed(texts, 'document');
    const cases = texts.map((_, i) => ({ id: `v${i}`, modality: 'CT', bodyPart: '胸部', findings: [], terms: [`t${i}`], vector: vectors[i] }));
    const withVectors = new CaseIndex(cases);
    expect(withVectors.hasVectors).toBe(true);
    // No shared finding or term: only the vector part can find the case; the hit says so part by part.
    const [query] = await embedder.embed(['右肺上叶厚壁空洞伴气液平'], 'query');
    const hits = withVectors.search({ findings: [], terms: ['unshared'], top: 3, vector: query });
    expect(hits[0].caseId).toBe('v0');
    expect(hits[0]).toMatchObject({ findingScore: 0, textScore: 0, parts: { findings: 0, text: 0 } });
    expect(hits[0].vectorScore).toBeGreaterThan(hits[1].vectorScore as number);
    expect(hits[0].parts.vector).toBeCloseTo(MIX_WITH_VECTORS.vector * (hits[0].vectorScore as number), 2);
    for (const h of hits) expect(h.score).toBeCloseTo(h.parts.findings + h.parts.text + h.parts.vector, 2);
    // Without a query vector (or an index without vectors) the vector part is absent, not zero-weighted noise.
    expect(withVectors.search({ findings: [], terms: ['t1'], top: 3 })[0]).toMatchObject({ caseId: 'v1', vectorScore: null, parts: { vector: 0 } });
    expect(index.search({ findings: [f('s_x')], terms: [], top: 1, vector: query })[0].vectorScore).toBeNull();
  });
});

describe('timeline', () => {
  it('computes growth and VDT only from given measurements, and says when it cannot', () => {
    const [t] = buildTimeline([
      { date: '2024-07-10', measurements: [{ lesion: 'n1', longAxisMm: 9.5, volumeMm3: 300 }] },
      { date: '2024-01-10', measurements: [{ lesion: 'n1', longAxisMm: 8, volumeMm3: 200 }] },
      { date: '2025-01-10', measurements: [{ lesion: 'n1', longAxisMm: 11 }] },
      { date: '2025-06-10', measurements: [{ lesion: 'n1' }] },
    ]);
    expect(t.points.map((p) => p.date)).toEqual(['2024-01-10', '2024-07-10', '2025-01-10', '2025-06-10']);
    const [i1, i2, i3] = t.intervals;
    expect(i1.days).toBe(182);
    expect(i1.vdtMethod).toBe('volume');
    expect(i1.vdtDays).toBe(Math.round((182 * Math.LN2) / Math.log(300 / 200)));
    expect(i2.vdtMethod).toBe('diameter');
    expect(i2.vdtDays).toBe(Math.round((184 * Math.LN2) / (3 * Math.log(11 / 9.5))));
    expect(i3).toMatchObject({ vdtDays: null, vdtMethod: null });
    expect(i3.vdtNote).toContain('无法计算');
    const [shrink] = buildTimeline([{ date: '2024-01-01', measurements: [{ lesion: 'n', volumeMm3: 300 }] }, { date: '2024-06-01', measurements: [{ lesion: 'n', volumeMm3: 250 }] }]);
    expect(shrink.intervals[0]).toMatchObject({ vdtDays: null });
    expect(shrink.intervals[0].vdtNote).toContain('未增大');
  });
});
