import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { writeNifti } from '../imaging/index.ts';
import { chestPhantom } from '../imaging/synthetic/index.ts';
import { parseHl7 } from '../reporting/index.ts';
import { type FakeLlmServer, startFakeLlmServer } from './fakes/llm-server.ts';
import { fhirR4Errors } from './helpers/fhir-schema.ts';
import { jsonClient } from './helpers/http.ts';
import { startTestServer, type TestServer } from './helpers/runtime.ts';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read loosely in tests
type Json = any;

const TYPED = { findingType: 'lung_nodule', nodeType: 'ground_glass', side: 'right', lobe: 'upper', segment: 'S1', longMm: 8.2, shortMm: 6.1, volumeCm3: 0.19, meanHu: -612, margin: 'clear', contour: 'regular' };
const TEMPLATE_FINDINGS = '右肺上叶尖段见一磨玻璃结节，大小约8.2mm×6.1mm，体积约0.19cm³，平均CT值约-612HU，边界清楚，形态规则。';

/** POST /api/reports/drafts, the provenance id, exports and QC over HTTP; the model is the protocol-level fake. */
describe('report drafts API', () => {
  let fake: FakeLlmServer;
  let srv: TestServer;
  let plain: TestServer;
  let api: ReturnType<typeof jsonClient>;
  const as = async (s: TestServer, role: 'physician' | 'technician' | 'resident') => s.tokenFor(role);

  beforeAll(async () => {
    fake = await startFakeLlmServer();
    [srv, plain] = await Promise.all([
      startTestServer([], { YZ_LLM: 'openai', YZ_LLM_URL: `${fake.url}/v1`, YZ_LLM_MODEL: 'fake-model', YZ_LLM_TIMEOUT_MS: '5000' }),
      startTestServer([], { YZ_LLM: 'none' }),
    ]);
    api = jsonClient(() => srv.url, () => ({}));
  }, 180_000);
  afterAll(async () => {
    await srv?.close();
    await plain?.close();
    await fake?.close();
  });
  beforeEach(() => fake.reset());

  const draft = async (s: TestServer, body: unknown) => jsonClient(() => s.url, () => ({}))('POST', '/api/reports/drafts', body, await as(s, 'physician'));

  it('YZ_LLM=none: the template engine writes the draft and says so; same input → same text', async () => {
    const a = await draft(plain, { values: TYPED });
    expect(a.status).toBe(201);
    expect(a.json).toMatchObject({ engine: 'template', llm: { status: 'not_configured' }, findings: TEMPLATE_FINDINGS });
    expect(a.json.engineNote).toContain('YZ_LLM=none');
    expect(a.json.followUp.citation).toMatchObject({ table: '表10-2', page: 12 });
    const b = await draft(plain, { values: TYPED });
    expect(b.json.text).toBe(a.json.text);
    expect(b.json.id).not.toBe(a.json.id);
  });

  it('templates: listed per finding type with the default first; a chosen template writes the draft and is recorded; an unknown or mismatched one is a 400 naming templateId', async () => {
    const call = jsonClient(() => plain.url, () => ({}));
    const h = await as(plain, 'physician');
    const lung = await call('GET', '/api/reports/templates?findingType=lung_nodule', undefined, h);
    expect(lung.status).toBe(200);
    expect(lung.json.items.map((x: Json) => [x.id, x.default])).toEqual([['lung_nodule', true], ['lung_nodule_brief', false]]);
    const all = await call('GET', '/api/reports/templates', undefined, h);
    expect(new Set(all.json.items.map((x: Json) => x.findingType))).toEqual(new Set(['lung_nodule', 'liver_lesion', 'lesion_volume']));
    const brief = await draft(plain, { values: TYPED, templateId: 'lung_nodule_brief' });
    expect(brief.status).toBe(201);
    expect(brief.json).toMatchObject({ templateId: 'lung_nodule_brief', templateVersion: '1.0.0', findings: '右肺上叶尖段磨玻璃结节，大小约8.2mm×6.1mm。' });
    // The brief wording leaves the volume and CT value out; the full one (the default) keeps them.
    expect(brief.json.findings).not.toContain('0.19');
    expect((await draft(plain, { values: TYPED })).json.templateId).toBe('lung_nodule');
    const unknown = await draft(plain, { values: TYPED, templateId: 'no_such_template' });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error).toMatchObject({ field: 'templateId', message: expect.stringContaining('no_such_template') });
    const mismatched = await draft(plain, { values: TYPED, templateId: 'liver_lesion' });
    expect(mismatched.status).toBe(400);
    expect(mismatched.json.error.field).toBe('templateId');
    expect((await call('GET', '/api/reports/templates', undefined, await as(plain, 'technician'))).status).toBe(403);
  });

  it('a model rewrite that keeps every value is used, and the model saw the template text', async () => {
    fake.reply({ json: { findings: '右肺上叶尖段磨玻璃结节一枚，约8.2mm×6.1mm，体积约0.19cm³，平均CT值约-612HU，边界清楚，形态规则。', impression: '右肺上叶尖段磨玻璃结节，平均直径约7.2mm。' } });
    const r = await draft(srv, { values: TYPED });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ engine: 'llm', llm: { status: 'accepted', model: 'fake-model' } });
    expect(r.json.findings).toContain('一枚');
    expect(fake.requests[0].messages.map((m) => m.content).join('\n')).toContain(TEMPLATE_FINDINGS);
    // The follow-up sentence is the rule's, never the model's.
    expect(r.json.text).toContain('6～12个月复查CT');
  });

  it('a model that invents 12mm is rejected: the template text stays and the reason names the value', async () => {
    fake.reply({ json: { findings: '右肺上叶尖段见一磨玻璃结节，大小约12mm，边界清楚。', impression: '右肺上叶尖段磨玻璃结节。' } });
    const r = await draft(srv, { values: TYPED });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ engine: 'template', llm: { status: 'rejected' }, findings: TEMPLATE_FINDINGS });
    expect(r.json.llm.issues).toEqual([expect.objectContaining({ kind: 'number', found: '12mm' })]);
    expect(r.json.engineNote).toContain('12mm');
    expect(r.json.llm.candidate.findings).toContain('12mm');
  });

  it('a model that flips 右 to 左 is rejected; a model that answers garbage or is down leaves the template text', async () => {
    fake.reply({ json: { findings: '左肺上叶尖段见一磨玻璃结节，大小约8.2mm×6.1mm。', impression: '左肺上叶尖段磨玻璃结节。' } });
    const flipped = await draft(srv, { values: TYPED });
    expect(flipped.json.llm.issues[0]).toMatchObject({ kind: 'laterality', found: '左' });
    expect(flipped.json.findings).toBe(TEMPLATE_FINDINGS);
    fake.reply({ raw: 'not json at all' });
    const garbage = await draft(srv, { values: TYPED });
    expect(garbage.json).toMatchObject({ engine: 'template', llm: { status: 'failed' }, findings: TEMPLATE_FINDINGS });
    fake.reply({ status: 500, error: 'model crashed' }, { status: 500, error: 'model crashed' }, { status: 500, error: 'model crashed' });
    const down = await draft(srv, { values: TYPED });
    expect(down.json).toMatchObject({ engine: 'template', llm: { status: 'failed' } });
  });

  it('drafts from a stored measurement cite its quantity refs; the provenance id reopens the draft with its inputs and versions', async () => {
    const chest = chestPhantom({ dims: [96, 80, 32] });
    const form = new FormData();
    form.append('image', new Blob([new Uint8Array(writeNifti({ geometry: chest.geometry, data: chest.image, gzip: true }))]), 'ct.nii.gz');
    form.append('mask', new Blob([new Uint8Array(writeNifti({ geometry: chest.geometry, data: chest.mask, gzip: true }))]), 'mask.nii.gz');
    form.append('modality', 'CT');
    const measured = await fetch(`${plain.url}/api/measure`, { method: 'POST', body: form, headers: await as(plain, 'physician') });
    expect(measured.status).toBe(201);
    const m: Json = (await measured.json()).measurement;
    const lesion = m.lesions.find((l: Json) => l.solidComponent);
    const r = await draft(plain, { measurementId: m.id, lesion: lesion.ref, values: { side: 'right', lobe: 'upper', segment: 'S2' } });
    expect(r.status).toBe(201);
    const d = r.json;
    expect(d.source).toMatchObject({ kind: 'measurement', measurementId: m.id, lesion: lesion.ref });
    const long = d.renderedValues.find((v: Json) => v.slot === 'long');
    expect(long.source).toEqual({ kind: 'measurement', ref: `${m.id}#${lesion.ref}/axial.long_axis` });
    expect(long.value).toBe(Math.round(lesion.axial.longAxis.lengthMm * 10) / 10);
    expect(d.findings).toContain(`大小约${long.text}`);
    expect(d.findings.startsWith('右肺上叶后段')).toBe(true);
    expect(d.renderedValues.find((v: Json) => v.slot === 'side' || v.slot === 'location').source.kind).toBe('typed');
    // Every number of the text is one of the rendered values (or a rule's), traceable to its source.
    const reopened = await jsonClient(() => plain.url, () => ({}))('GET', d.provenanceUrl.replace('/reports/', '/api/reports/'), undefined, await as(plain, 'physician'));
    expect(reopened.json).toEqual(d);
    const listed = await jsonClient(() => plain.url, () => ({}))('GET', `/api/reports/drafts?measurementId=${m.id}`, undefined, await as(plain, 'physician'));
    expect(listed.json.items.map((i: Json) => i.id)).toEqual([d.id]);
    const audit = await plain.rt.db.query<{ actor: string; target: string }>("SELECT actor, target FROM audit_log WHERE action = 'report.draft' AND target = $1", [d.id]);
    expect(audit.rows).toEqual([{ actor: 'test-physician', target: d.id }]);
  }, 60_000);

  it('drafts from an imported AI finding take side, lobe and segment from the AI result', async () => {
    const s = await as(plain, 'physician');
    const imported = await jsonClient(() => plain.url, () => ({}))('POST', '/api/imaging/ai/results', {
      model: { name: 'nodule-ai', version: '2.1' }, task: 'nodule_detection', studyInstanceUid: '1.2.826.0.1.3680043.8.498.4242',
      findings: [{ type: 'nodule', label: 'part_solid_nodule', location: 'lung_lower_lobe_left', segment: 'S6', sizeMm: { long: 14, short: 11 }, meanHu: -310, probability: 0.91 }],
    }, s);
    expect([200, 201]).toContain(imported.status);
    const r = await draft(plain, { aiResultId: imported.json.id, values: { solidMm: 7 } });
    expect(r.status).toBe(201);
    expect(r.json.findings).toBe('左肺下叶背段见一部分实性结节，大小约14.0mm×11.0mm，平均CT值约-310HU，其内实性成分最大径约7.0mm。');
    expect(r.json.renderedValues.find((v: Json) => v.slot === 'long').source.ref).toBe(`${imported.json.id}#findings/0/sizeMm.long`);
    expect(r.json.followUpText).toContain('PET-CT');
  });

  it('exports: plain text with the provenance URL, FHIR R4 Bundle, HL7 ORU^R01 that parses back', async () => {
    const d = (await draft(plain, { values: { ...TYPED, organ: undefined } })).json;
    const h = await as(plain, 'physician');
    const text = await fetch(`${plain.url}/api/reports/drafts/${d.id}/export?format=text`, { headers: h });
    expect(text.headers.get('content-type')).toMatch(/text\/plain/);
    expect(await text.text()).toContain(`/reports/drafts/${d.id}`);
    const fhir = await fetch(`${plain.url}/api/reports/drafts/${d.id}/export?format=fhir`, { headers: h });
    expect(fhir.headers.get('content-type')).toMatch(/application\/fhir\+json/);
    const bundle = await fhir.json();
    expect(bundle.entry[0].resource).toMatchObject({ resourceType: 'DiagnosticReport', status: 'preliminary', identifier: [{ value: d.id }] });
    expect(bundle.entry.map((e: Json) => e.resource.resourceType)).toEqual(['DiagnosticReport', ...Array(bundle.entry.length - 1).fill('Observation')]);
    expect(bundle.entry.length).toBeGreaterThan(2);
    // HL7's official R4 JSON schema, not our own idea of the fields.
    expect(fhirR4Errors(bundle)).toEqual([]);
    // The validator is not a rubber stamp: a misspelt status and a string quantity are named.
    const broken = structuredClone(bundle);
    broken.entry[0].resource.status = 'draft-ish';
    broken.entry[1].resource.valueQuantity.value = '8.2';
    const errs = fhirR4Errors(broken);
    expect(errs.some((e) => e.startsWith('entry/0/resource(DiagnosticReport)/status'))).toBe(true);
    expect(errs.some((e) => e.startsWith('entry/1/resource(Observation)/valueQuantity/value'))).toBe(true);
    const hl7 = await fetch(`${plain.url}/api/reports/drafts/${d.id}/export?format=hl7`, { headers: h });
    const segs = parseHl7(await hl7.text());
    expect(segs[0].fields[9]).toBe('ORU^R01^ORU_R01');
    const bad = await fetch(`${plain.url}/api/reports/drafts/${d.id}/export?format=pdf`, { headers: h });
    expect(bad.status).toBe(400);
  }, 60_000);

  it('bad input is named: unknown measurement 404, two sources, no findingType, a missing template value, an unknown draft', async () => {
    const cases: Array<[unknown, number, RegExp]> = [
      [{ measurementId: 'msr_0123456789abcdef01234567' }, 404, /msr_0123456789abcdef01234567/],
      [{ measurementId: 'msr_0123456789abcdef01234567', aiResultId: 'x' }, 400, /一个来源|one source/],
      [{ values: { side: 'right' } }, 400, /findingType/],
      [{ values: { findingType: 'lung_nodule', nodeType: 'solid', side: 'right', lobe: 'upper' } }, 400, /long/],
      [{ values: { ...TYPED, side: 'left', lobe: 'middle', segment: undefined } }, 400, /中叶/],
      [{ values: { ...TYPED, longMm: 'eight' } }, 400, /values.*number/],
    ];
    for (const [body, status, msg] of cases) {
      const r = await draft(plain, body);
      expect(r.status, JSON.stringify(body)).toBe(status);
      expect(JSON.stringify(r.json.error)).toMatch(msg);
    }
    const unknown = await jsonClient(() => plain.url, () => ({}))('GET', '/api/reports/drafts/rpt_nope', undefined, await as(plain, 'physician'));
    expect(unknown.status).toBe(404);
  });

  it('report.draft gates drafting: a technician gets 403 naming it, a resident too', async () => {
    for (const role of ['technician', 'resident'] as const) {
      const r = await api('POST', '/api/reports/drafts', { values: TYPED }, await as(srv, role));
      expect(r.status).toBe(403);
      expect(r.json.error.details.permission).toBe('report.draft');
    }
  });

  it('QC over HTTP flags a left/right mismatch; an empty report is a 400 naming the field', async () => {
    const h = await as(plain, 'physician');
    const c = jsonClient(() => plain.url, () => h);
    const r = await c('POST', '/api/reports/qc', { text: '所见：右肺下叶见一实性结节，大小约6mm×5mm。\n印象：左肺下叶实性结节。' });
    expect(r.status).toBe(200);
    expect(r.json.flags.map((f: Json) => f.kind)).toContain('laterality');
    const empty = await c('POST', '/api/reports/qc', { text: '' });
    expect(empty.status).toBe(400);
    expect(empty.json.error.field).toBe('text');
  });

  it('second opinion: the model sees the report de-identified; issues it cannot quote or that bring in numbers are dropped with the reason; labelled, rules untouched', async () => {
    const call = jsonClient(() => srv.url, () => ({}));
    const report = '姓名：王建国  住院号：ZY20240517  联系电话：13912345678\n影像所见：\n右肺上叶尖段见一毛玻璃结节，大小约8mm×6mm，边界清楚。\n\n印象：\n左肺上叶磨玻璃结节。';
    fake.reset();
    fake.reply({
      json: {
        issues: [
          { kind: 'laterality', quote: '左肺上叶磨玻璃结节', message: '印象的侧别与所见（右肺）不一致', suggestion: '右肺上叶磨玻璃结节' },
          { kind: 'term', quote: '毛玻璃结节', message: '建议使用规范术语', suggestion: '磨玻璃结节' },
          { kind: 'other', quote: '右肺下叶见一肿块', message: '与所见不符', suggestion: null },
          { kind: 'size', quote: '大小约8mm×6mm', message: '大小应为12mm', suggestion: '大小约12mm' },
        ],
      },
    });
    const r = await call('POST', '/api/reports/qc/second-opinion', { text: report }, await as(srv, 'physician'));
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ engine: 'llm', status: 'ok', model: 'fake-model', label: expect.stringContaining('仅供参考') });
    expect(r.json.flags.map((f: Json) => [f.kind, report.slice(f.span.start, f.span.end), f.alsoFoundByRules])).toEqual([
      ['laterality', '左肺上叶磨玻璃结节', true],
      ['term', '毛玻璃结节', true],
    ]);
    expect(r.json.dropped.map((d: Json) => d.reason)).toEqual([expect.stringContaining('不在报告原文'), expect.stringContaining('12')]);
    // The model never saw who the patient is.
    const sent = fake.requests.at(-1)?.messages.map((m) => m.content).join('\n') ?? '';
    expect(sent).toContain('毛玻璃结节');
    for (const phi of ['王建国', 'ZY20240517', '13912345678']) expect(sent).not.toContain(phi);
    // Garbage from the model: failed, said so; no model at all: not_configured, said so.
    fake.reply({ text: '这不是JSON' });
    const bad = await call('POST', '/api/reports/qc/second-opinion', { text: report }, await as(srv, 'physician'));
    expect(bad.json).toMatchObject({ status: 'failed', flags: [] });
    const none = await jsonClient(() => plain.url, () => ({}))('POST', '/api/reports/qc/second-opinion', { text: report }, await as(plain, 'physician'));
    expect(none.json).toMatchObject({ status: 'not_configured', flags: [], note: expect.stringContaining('YZ_LLM=none') });
    expect((await call('POST', '/api/reports/qc/second-opinion', { text: '' }, await as(srv, 'physician'))).json.error.field).toBe('text');
  });

  it('post-structuring over HTTP: findings with spans, QC counts through it; empty 400, technician 403 naming report.draft', async () => {
    const h = await as(plain, 'physician');
    const c = jsonClient(() => plain.url, () => h);
    const text = '影像所见：左肺下叶见2个实性结节，较大者约5mm，未见胸腔积液及淋巴结肿大。\n印象：左肺下叶3个实性结节。';
    const r = await c('POST', '/api/reports/structure', { text });
    expect(r.status).toBe(200);
    expect(r.json.findings.map((f: Json) => [f.entity.id, f.certainty, f.count?.value ?? null])).toEqual([
      ['sign.solid_nodule', 'present', 2], ['find.pleural_effusion', 'absent', null], ['find.lymphadenopathy', 'absent', null], ['sign.solid_nodule', 'present', 3],
    ]);
    expect(r.json.findings[0].sizes[0]).toMatchObject({ text: '5mm', unit: 'mm' });
    const qc = await c('POST', '/api/reports/qc', { text });
    expect(qc.json.flags.filter((f: Json) => f.kind === 'count').map((f: Json) => f.text)).toEqual(['3个']);
    const empty = await c('POST', '/api/reports/structure', { text: ' ' });
    expect(empty.status).toBe(400);
    expect(empty.json.error.field).toBe('text');
    const denied = await api('POST', '/api/reports/structure', { text }, await as(srv, 'technician'));
    expect(denied.status).toBe(403);
    expect(denied.json.error.details.permission).toBe('report.draft');
  });

  it('a revision is a new draft naming its parent, with the guard verdict on invented values; bad revisions are refused by name', async () => {
    const h = await as(plain, 'physician');
    const c = jsonClient(() => plain.url, () => h);
    const parent = (await draft(plain, { values: TYPED })).json;
    const r = await c('POST', `/api/reports/drafts/${parent.id}/revisions`, { findings: parent.findings.replace('8.2mm', '12mm'), impression: parent.impression });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ engine: 'edited', revision: { of: parent.id, guard: { ok: false } }, values: parent.values, followUpText: parent.followUpText });
    expect(r.json.revision.guard.issues.map((i: Json) => i.found)).toContain('12mm');
    expect((await c('GET', `/api/reports/drafts/${parent.id}`)).json.findings).toBe(parent.findings);
    const clean = await c('POST', `/api/reports/drafts/${parent.id}/revisions`, { findings: parent.findings, impression: '右肺上叶尖段磨玻璃结节，建议随访。' });
    expect(clean.json.revision.guard).toEqual({ ok: true, issues: [] });
    expect((await c('POST', '/api/reports/drafts/rpt_nope/revisions', { findings: 'x', impression: 'y' })).status).toBe(404);
    const empty = await c('POST', `/api/reports/drafts/${parent.id}/revisions`, { findings: ' ', impression: 'y' });
    expect(empty.status).toBe(400);
    expect(empty.json.error.field).toBe('findings');
  });
});
