import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../api/index.ts';
import type { Case } from '../cases/index.ts';
import { isAppError, isEncryptedField } from '../core/index.ts';
import type { Runtime } from '../runtime/index.ts';
import { multipart } from './helpers/multipart.ts';
import { DEMO, ingestFiles, ROOT, testAuth, testRuntime } from './helpers/runtime.ts';

/**
 * Issue 18 end to end on real PGlite: demo guidelines extracted and demo-approved give a real approved graph;
 * typical cases are imported (idempotent, transactional, row/field errors), de-identified, approved, matched
 * and ranked with citations; the bad inputs the issue names; and the API's permissions.
 */
const FIXTURE = path.join(ROOT, 'tests/fixtures/cases/typical-cases.json');
const PAS_QUERY = '完全性前置胎盘，胎盘后低回声带消失，子宫肌层变薄，可见T2暗带，膀胱线中断。';

async function expectError(p: Promise<unknown>, code: string): Promise<Error & { field?: string; details?: Record<string, unknown> }> {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(isAppError(e), String(e)).toBe(true);
  expect((e as { code: string }).code).toBe(code);
  return e as Error;
}

describe('case library, similar cases and differential on the approved graph', () => {
  let rt: Runtime;
  let app: FastifyInstance;
  let tokenFor: Awaited<ReturnType<typeof testAuth>>['tokenFor'];

  beforeAll(async () => {
    rt = await testRuntime();
    await ingestFiles(rt, ['placenta-accreta-guideline.md', 'acute-abdomen-guideline.md'].map((f) => path.join(DEMO, f)), { demo: true });
    app = await buildApp(rt);
    await app.ready();
    ({ tokenFor } = await testAuth(rt));
  }, 300_000);
  afterAll(async () => {
    await app?.close();
    await rt?.close();
  });

  it('imports the case file once: the same file again changes nothing', async () => {
    const bytes = readFileSync(FIXTURE);
    const first = await rt.cases.service.importFile(bytes, 'typical-cases.json', 'expert-1', { status: 'approved' });
    expect(first.inserted.length).toBe(8);
    const again = await rt.cases.service.importFile(bytes, 'typical-cases.json', 'expert-1', { status: 'approved' });
    expect(again).toMatchObject({ inserted: [], updated: [] });
    expect(again.unchanged.length).toBe(8);
    expect((await rt.cases.service.list({}, { limit: 100, offset: 0 })).total).toBe(8);
    const pas = await rt.cases.service.get('fx-pas-001');
    expect(pas.finalDiagnosis).toMatchObject({ entityId: 'dis.placenta_accreta_spectrum', icd10: 'O43.2' });
    expect(pas.structuredFindings.map((f) => f.entityId)).toEqual(expect.arrayContaining(['dis.placenta_previa']));
    // Approved with the relations that support it in the approved graph.
    expect(pas.relationIds.length).toBeGreaterThan(0);
  });

  it('refuses a file with bad rows, naming row and field, and writes nothing', async () => {
    const bad = JSON.stringify([
      { id: 'ok-1', title: '好的', modality: 'CT', findingsText: '膈下游离气体。', finalDiagnosis: { name: '消化道穿孔' } },
      { id: 'bad-1', title: '坏的', modality: 'XR', findingsText: '膈下游离气体。', finalDiagnosis: { name: '消化道穿孔' } },
      { id: 'bad-2', title: '空所见', modality: 'CT', findingsText: '', finalDiagnosis: { name: '消化道穿孔' } },
      { id: 'bad-3', title: '字段', modality: 'CT', diseaseArea: 'stroke', findingsText: '低密度。', finalDiagnosis: { name: '脑梗死' }, fields: { aspects: 14 } },
    ]);
    const e = await expectError(rt.cases.service.importFile(Buffer.from(bad), 'bad.json', 'expert-1'), 'IMPORT_INVALID');
    const errors = (e.details as { errors: Array<{ row: number; field: string }> }).errors;
    expect(errors.map((x) => [x.row, x.field])).toEqual([[2, 'modality'], [3, 'findingsText'], [4, 'fields.aspects']]);
    expect(await rt.cases.service.getVisible('ok-1', true).catch((x) => x.code)).toBe('NOT_FOUND');
    const csv = 'id,title,modality,findingsText,finalDiagnosis,icd10,studies\ncsv-1,CSV病例,CT,膈下游离气体。,消化道穿孔,,{not json}\n';
    const ce = await expectError(rt.cases.service.importFile(Buffer.from(csv), 'bad.csv', 'expert-1'), 'IMPORT_INVALID');
    expect((ce.details as { errors: Array<{ row: number; field: string }> }).errors).toEqual([expect.objectContaining({ row: 1, field: 'studies' })]);
    await expectError(rt.cases.service.importFile(Buffer.from('[{"id": '), 'broken.json', 'x'), 'IMPORT_INVALID');
  });

  it('imports CSV rows', async () => {
    const csv = 'id,title,diseaseArea,modality,bodyPart,findingsText,finalDiagnosis,icd10,teachingPoints,fields\n'
      + 'csv-perf,CSV 穿孔,acute_abdomen,CT,腹部,双侧膈下游离气体。,消化道穿孔,K63.1,游离气体提示穿孔;立位片亦可见,"{""freeAir"": true}"\n';
    const r = await rt.cases.service.importFile(Buffer.from(csv), 'cases.csv', 'expert-1');
    expect(r.inserted).toEqual(['csv-perf']);
    const c = await rt.cases.service.get('csv-perf');
    expect(c).toMatchObject({ status: 'draft', teachingPoints: ['游离气体提示穿孔', '立位片亦可见'], fields: { freeAir: true } });
    expect(c.finalDiagnosis.icd10).toBe('K63.1');
  });

  it('de-identifies PHI before storage and keeps the patient identifier only encrypted', async () => {
    const c = await rt.cases.service.save({
      id: 'phi-1', title: '穿孔 患者：张三', modality: 'CT', findingsText: '姓名：张三 电话：13812345678 检查日期 2024-03-05。膈下游离气体。',
      finalDiagnosis: { name: '消化道穿孔' }, patientId: 'MRN-000123',
    }, 'expert-1');
    const stored = JSON.stringify(c);
    expect(stored).not.toContain('张三');
    expect(stored).not.toContain('13812345678');
    expect(stored).not.toContain('2024-03-05');
    expect(stored).not.toContain('MRN-000123');
    expect(c.hasPatientRef).toBe(true);
    const { rows } = await rt.db.query<{ patient_ref: string; findings_text: string }>('SELECT patient_ref, findings_text FROM cases WHERE id = $1', [c.id]);
    expect(isEncryptedField(rows[0].patient_ref)).toBe(true);
    expect(rows[0].findings_text).toContain('[姓名]');
    // PHI pasted into a query is removed before matching, and the response does not echo it.
    const r = await rt.cases.service.similar({ findings: '患者：李四 电话：13912345678 膈下游离气体。' });
    expect(r.query.phiReplaced).toBeGreaterThan(0);
    expect(JSON.stringify(r.query)).not.toContain('13912345678');
  });

  it('finds the most similar approved case and explains the score', async () => {
    const r = await rt.cases.service.similar({ findings: PAS_QUERY });
    expect(r.hits[0].case.id).toBe('fx-pas-001');
    expect(r.hits[0].shared.length).toBeGreaterThanOrEqual(3);
    expect(r.hits.map((h) => h.case.status).every((s) => s === 'approved')).toBe(true);
    // fx-pas-002 says 膀胱线 is NOT interrupted: a conflict is named.
    const second = r.hits.find((h) => h.caseId === 'fx-pas-002');
    expect(second?.conflicting.map((c) => c.finding)).toContain('膀胱线中断');
    // Drafts are not matched unless asked for.
    expect(r.hits.some((h) => h.caseId === 'csv-perf')).toBe(false);
    const withDrafts = await rt.cases.service.similar({ findings: '膈下游离气体', includeDrafts: true, top: 10 });
    expect(withDrafts.hits.some((h) => h.caseId === 'csv-perf')).toBe(true);
    expect((await rt.cases.service.similar({ findings: PAS_QUERY, modality: 'CT' })).hits.every((h) => h.case.modality === 'CT')).toBe(true);
  });

  it('ranks the differential from approved relations, citing relation ids and passages, and suggests what to add', async () => {
    const r = await rt.cases.service.differential({ findings: PAS_QUERY });
    expect(r.engine).toBe('deterministic');
    expect(r.note).toContain('确定性引擎');
    const top = r.ranked[0];
    expect(top.entityId).toBe('dis.placenta_accreta_spectrum');
    expect(top.supporting.length).toBeGreaterThanOrEqual(3);
    for (const s of top.supporting) {
      expect(s.relationIds.length).toBeGreaterThan(0);
      const rel = await rt.knowledge.relations.get(s.relationIds[0]);
      expect(rel?.status).toBe('active');
      expect(s.passages[0].title).toBeTruthy();
    }
    // English findings reach the same disease.
    const en = await rt.cases.service.differential({ findings: 'Placenta previa with loss of the retroplacental clear zone and dark T2 bands.' });
    expect(en.query.findings.length).toBeGreaterThan(0);
  });

  it('flags a case whose supporting relation was retired, and stops using that relation', async () => {
    const before = await rt.cases.service.get('fx-pas-001');
    const relId = before.relationIds[0];
    await rt.knowledge.review.retire(relId, { actor: 'expert-1', reason: '测试：被新版指南取代' });
    const after = await rt.cases.service.get('fx-pas-001');
    expect(after.retiredRelationIds).toEqual([relId]);
    const r = await rt.cases.service.similar({ findings: PAS_QUERY });
    expect(r.hits.find((h) => h.caseId === 'fx-pas-001')?.flags[0]).toContain(relId);
    const d = await rt.cases.service.differential({ findings: PAS_QUERY });
    const cited = d.ranked.flatMap((x) => [...x.supporting, ...x.contradicting].flatMap((s) => s.relationIds));
    expect(cited).not.toContain(relId);
  });

  it('says when a disease has no approved relations instead of ranking it silently', async () => {
    const r = await rt.cases.service.differential({ findings: '膈下游离气体，考虑烟雾病。', consider: ['肺隐球菌病'] });
    expect(r.noApprovedRelations.map((d) => d.name)).toEqual(expect.arrayContaining(['烟雾病', '肺隐球菌病']));
    expect(r.ranked.map((d) => d.name)).not.toContain('烟雾病');
  });

  it('lets the most similar approved typical cases vote: their diagnoses rank, each with the cases cited; weight 0 is the graph alone', async () => {
    // This test corpus has no approved lung relations: the graph alone cannot rank 大叶性肺炎, its typical case can.
    const q = '右肺下叶大片实变，其内见支气管充气征，未见空洞。';
    const r = await rt.cases.service.differential({ findings: q });
    const pneumonia = r.ranked.find((d) => d.name === '大叶性肺炎');
    expect(pneumonia?.caseSupport.cases.map((c) => c.caseId)).toContain('fx-pneu-001');
    expect(pneumonia?.caseSupport.share).toBeGreaterThan(0);
    expect(pneumonia?.supporting).toEqual([]);
    expect(r.ranked[0].name).toBe('大叶性肺炎');
    expect(r.ranked.reduce((s, d) => s + d.share, 0)).toBeCloseTo(1, 2);
    const graphOnly = await rt.cases.service.differential({ findings: q, caseWeight: 0 });
    expect(graphOnly.ranked.map((d) => d.name)).not.toContain('大叶性肺炎');
    expect(graphOnly.ranked.every((d) => d.supporting.length > 0 && d.caseSupport.cases.length === 0)).toBe(true);
    // Drafts never vote: the draft perforation case is not cited.
    const perf = await rt.cases.service.differential({ findings: '膈下游离气体' });
    expect(perf.ranked.flatMap((d) => d.caseSupport.cases.map((c) => c.caseId))).not.toContain('csv-perf');
    await expectError(rt.cases.service.differential({ findings: q, caseWeight: 2 }), 'VALIDATION_FAILED');
  });

  it('refuses empty findings and reports contradictory ones', async () => {
    await expectError(rt.cases.service.differential({ findings: '   ' }), 'QUERY_EMPTY');
    await expectError(rt.cases.service.similar({ findings: '' }), 'QUERY_EMPTY');
    const r = await rt.cases.service.differential({ findings: '见膈下游离气体。未见膈下游离气体。' });
    expect(r.query.contradictions.map((c) => c.finding)).toEqual(['膈下游离气体']);
  });

  it('builds the timeline with VDT from the case measurements', async () => {
    const t = await rt.cases.service.timeline('fx-nodule-001');
    expect(t.lesions[0].intervals.map((i) => i.vdtMethod)).toEqual(['volume', 'diameter']);
    expect(t.lesions[0].intervals[0].vdtDays).toBe(Math.round((182 * Math.LN2) / Math.log(1.5)));
  });

  it('API: clinical roles read and match; only experts curate; state changes are audited', async () => {
    const resident = await tokenFor('resident');
    const json = (body: unknown, headers: Record<string, string>) => ({ payload: JSON.stringify(body), headers: { ...headers, 'content-type': 'application/json' } });
    const list = await app.inject({ method: 'GET', url: '/api/cases', headers: resident });
    expect(list.statusCode).toBe(200);
    expect(list.json().items.every((c: Case) => c.status === 'approved')).toBe(true);
    expect((await app.inject({ method: 'GET', url: '/api/cases/csv-perf', headers: resident })).statusCode).toBe(404);
    const sim = await app.inject({ method: 'POST', url: '/api/cases/similar', ...json({ findings: PAS_QUERY }, resident) });
    expect(sim.statusCode).toBe(200);
    expect(sim.json().hits[0].caseId).toBe('fx-pas-001');
    // The search embedder (hash offline) scores a vector part, named with its model and weight, per hit.
    expect(sim.json().vectors).toMatchObject({ model: rt.embedder.model, used: true, mix: { vector: expect.any(Number) } });
    expect(sim.json().hits[0].vectorScore).toBeGreaterThan(0);
    // The Compare page's one request: both results from one reading of the findings, each equal to its own endpoint's.
    const cmp = await app.inject({ method: 'POST', url: '/api/cases/compare', ...json({ findings: PAS_QUERY, top: 8, similarTop: 3 }, resident) });
    expect(cmp.statusCode).toBe(200);
    const both = cmp.json();
    expect(both.similar.hits.length).toBeLessThanOrEqual(3);
    expect(both.similar.hits[0].caseId).toBe('fx-pas-001');
    expect(both.differential.query).toEqual(both.similar.query);
    expect(both.similar.hits).toEqual(sim.json().hits.slice(0, 3));
    const alone = (await app.inject({ method: 'POST', url: '/api/cases/differential', ...json({ findings: PAS_QUERY, top: 8 }, resident) })).json();
    expect(both.differential.ranked).toEqual(alone.ranked);
    expect(both.differential.ranked[0].caseSupport.cases.map((v: { caseId: string }) => v.caseId)).toContain('fx-pas-001');
    expect((await app.inject({ method: 'POST', url: '/api/cases/compare', ...json({ findings: ' ' }, resident) })).json().error.code).toBe('QUERY_EMPTY');
    const diff = await app.inject({ method: 'POST', url: '/api/cases/differential', ...json({ findings: '' }, resident) });
    expect(diff.statusCode).toBe(400);
    expect(diff.json().error.code).toBe('QUERY_EMPTY');
    const m = multipart({}, { name: 'cases.json', bytes: readFileSync(FIXTURE) });
    expect((await app.inject({ method: 'POST', url: '/api/cases/import', payload: m.payload, headers: { ...resident, ...m.headers } })).statusCode).toBe(403);
    const expert = await tokenFor('expert');
    const created = await app.inject({ method: 'POST', url: '/api/cases', ...json({ title: 'API 病例', modality: 'CT', findingsText: '膈下游离气体。', finalDiagnosis: { name: '消化道穿孔' } }, expert) });
    expect(created.statusCode).toBe(201);
    const id = created.json().id;
    const approved = await app.inject({ method: 'POST', url: `/api/cases/${id}/approve`, headers: expert });
    expect(approved.json().status).toBe('approved');
    expect((await app.inject({ method: 'POST', url: `/api/cases/${id}/approve`, headers: expert })).statusCode).toBe(409);
    const { rows } = await rt.db.query<{ action: string; actor: string }>(`SELECT action, actor FROM audit_log WHERE target = $1 ORDER BY seq`, [id]);
    expect(rows.map((r) => r.action)).toEqual(['case.create', 'case.approve']);
    expect(rows[0].actor).toBe('test-expert');
    const bad = await app.inject({ method: 'POST', url: '/api/cases', ...json({ title: 'x', modality: 'CT', findingsText: '所见', finalDiagnosis: { name: 'x', icd10: 'banana' } }, expert) });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain('ICD-10');
  });
});

describe('cases evaluation suite', () => {
  it('scores the differential and similar cases beside their baselines on an authored set', async () => {
    const { evaluateCases } = await import('../evals/cases.ts');
    const rt = await testRuntime();
    try {
      await ingestFiles(rt, ['placenta-accreta-guideline.md', 'acute-abdomen-guideline.md'].map((f) => path.join(DEMO, f)), { demo: true });
      const r = await evaluateCases(rt, { split: 'dev', file: path.join(ROOT, 'tests/fixtures/cases/eval-cases.jsonl') });
      expect(r.cases).toBe(3);
      expect(r.typicalCases).toBe(8); // the fixture library, imported when no approved cases exist
      expect(r.differential.map((a) => a.method)).toEqual(['differential (graph + cases)', '  same, voters with vectors', 'differential, graph only', 'baseline: sign count', 'baseline: similar-case vote']);
      expect(r.differential[0].top1).toBe(1);
      const similar = r.similar.find((s) => s.method.startsWith('similar'));
      expect(similar?.hitAt5).toBe(1);
      // Retrieval before (no vector part) and after (the search embedder's vectors) in the same run, with the dev sweep.
      expect(r.embedder).toBe(rt.embedder.model);
      expect(r.similar.map((s) => s.method)).toEqual(expect.arrayContaining(['similar (findings+BM25+vectors)', 'similar (findings + BM25)', 'vectors only', 'baseline: BM25 text only', '  vector weight 0.25']));
    } finally {
      await rt.close();
    }
  }, 300_000);
});
