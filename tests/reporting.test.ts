import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadLanguage } from '../core/index.ts';
import { components, type Draft, draftText, followUpFor, guard, hl7Escape, parseHl7, ReportQc, ReportValuesSchema, renderDraft, templates, toFhir, toHl7 } from '../reporting/index.ts';
import { loadTemplates, TEMPLATES_DIR } from '../reporting/templates.ts';

const values = (v: Record<string, unknown>) => ReportValuesSchema.parse(v);
const GGN = { findingType: 'lung_nodule', nodeType: 'ground_glass', side: 'right', lobe: 'upper', segment: 'S1', longMm: 8.2, shortMm: 6.1, volumeCm3: 0.19, meanHu: -612, margin: 'clear', contour: 'regular' };

describe('template engine (no model)', () => {
  it('writes the standard findings sentence of a ground-glass nodule, every number from the inputs', () => {
    const d = renderDraft(values(GGN));
    expect(d.findings).toBe('右肺上叶尖段见一磨玻璃结节，大小约8.2mm×6.1mm，体积约0.19cm³，平均CT值约-612HU，边界清楚，形态规则。');
    expect(d.impression).toBe('右肺上叶尖段磨玻璃结节（平均直径约7.2mm）。');
    expect(d.templateId).toBe('lung_nodule');
    expect(d.templateVersion).toMatch(/^\d+\.\d+\.\d+$/);
    // The mean diameter is the one derived number, and it says how it was derived.
    expect(d.values.find((v) => v.slot === 'meanDiameter')?.source).toEqual({ kind: 'derived', ref: '(长径+短径)/2' });
    expect(d.values.find((v) => v.slot === 'long')).toMatchObject({ text: '8.2mm', value: 8.2, unit: 'mm' });
  });

  it('same input → same text, byte for byte', () => {
    const a = draftText(renderDraft(values(GGN)));
    const b = draftText(renderDraft(values({ ...GGN })));
    expect(a).toBe(b);
  });

  it('writes solid, part-solid, liver and volume findings from their templates', () => {
    expect(renderDraft(values({ findingType: 'lung_nodule', nodeType: 'part_solid', side: 'left', lobe: 'lower', segment: 'S6', longMm: 14, shortMm: 11, solidMm: 7 })).findings).toBe('左肺下叶背段见一部分实性结节，大小约14.0mm×11.0mm，其内实性成分最大径约7.0mm。');
    expect(renderDraft(values({ findingType: 'lung_nodule', nodeType: 'solid', side: 'right', lobe: 'middle', longMm: 5.4 })).findings).toBe('右肺中叶见一实性结节，最大径约5.4mm。');
    expect(renderDraft(values({ findingType: 'liver_lesion', segment: 'S7', longMm: 23, shortMm: 18.4, meanHu: 32, density: 'low', margin: 'clear' })).findings).toBe('肝右叶S7段见一低密度灶，大小约23.0mm×18.4mm，平均CT值约32HU，边界清楚。');
    expect(renderDraft(values({ findingType: 'lesion_volume', organ: '肝脏', volumeCm3: 1520.334, sharePercent: 61.24 })).findings).toBe('肝脏体积约1520.33cm³，占所测标签总体积的61.2%。');
  });

  it('a template value that is missing is refused by name, not written as a blank', () => {
    expect(() => renderDraft(values({ findingType: 'lung_nodule', nodeType: 'solid', side: 'right', lobe: 'upper' }))).toThrow(/longMm|long/);
    expect(() => renderDraft(values({ findingType: 'lung_nodule', side: 'right', lobe: 'upper', longMm: 6 }))).toThrow(/nodeType/);
    expect(() => renderDraft(values({ findingType: 'lesion_volume', volumeCm3: 3 }))).toThrow(/organ/);
  });

  it('anatomy that cannot be is refused: a left middle lobe, a segment of another lobe, a short axis longer than the long', () => {
    expect(() => renderDraft(values({ ...GGN, side: 'left', lobe: 'middle', segment: undefined }))).toThrow(/中叶/);
    expect(() => renderDraft(values({ ...GGN, segment: 'S6' }))).toThrow(/S6/);
    expect(() => renderDraft(values({ ...GGN, shortMm: 9 }))).toThrow(/短径/);
    expect(() => renderDraft(values({ findingType: 'liver_lesion', side: 'left', segment: 'S7', longMm: 10 }))).toThrow(/肝右叶/);
  });

  it('templates are versioned data files covering the three finding types, each with exactly one default', () => {
    expect([...new Set(templates().map((t) => t.findingType))].sort()).toEqual(['lesion_volume', 'liver_lesion', 'lung_nodule']);
    for (const type of ['lesion_volume', 'liver_lesion', 'lung_nodule']) expect(templates().filter((t) => t.findingType === type && t.default)).toHaveLength(1);
    expect(templates().find((t) => t.id === 'lung_nodule_brief')).toMatchObject({ findingType: 'lung_nodule', default: false });
  });

  it('a template folder with two defaults for a finding type, or one id twice, fails at load naming it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'yz-templates-'));
    try {
      const base = readFileSync(path.join(TEMPLATES_DIR, 'lung-nodule.yaml'), 'utf8');
      writeFileSync(path.join(dir, 'a.yaml'), base);
      writeFileSync(path.join(dir, 'b.yaml'), base.replace('id: lung_nodule', 'id: lung_nodule_other'));
      expect(() => loadTemplates(dir)).toThrow(/exactly one default template \(has 2\)/);
      writeFileSync(path.join(dir, 'b.yaml'), base);
      expect(() => loadTemplates(dir)).toThrow(/lung_nodule is used twice/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('follow-up rules as data, citing the guideline', () => {
  it('ground-glass ≥ 6 mm: 6–12 months, table 10-2 page 12 of the demo guideline', () => {
    const d = renderDraft(values(GGN));
    expect(d.followUp?.citation).toEqual({ title: '肺结节CT影像评估与随访管理指南（演示版）', version: '2025版', table: '表10-2', page: 12, file: 'lung-nodule-guideline.md' });
    expect(d.followUpText).toContain('6～12个月复查CT');
    expect(d.followUpText).toContain('表10-2，第12页');
  });

  it('solid nodule categories follow the table at their edges (mean diameter)', () => {
    expect(followUpFor('solid', 5.9, null)?.advice).toBe('无需常规随访');
    expect(followUpFor('solid', 6, null)?.advice).toMatch(/^6～12个月/);
    expect(followUpFor('solid', 8, null)?.advice).toMatch(/^6～12个月/);
    expect(followUpFor('solid', 8.1, null)?.advice).toMatch(/^3个月/);
    expect(followUpFor('part_solid', 12, 7)?.advice).toMatch(/PET-CT/);
    expect(followUpFor('part_solid', 12, 4)?.advice).toMatch(/^3～6个月/);
    // A part-solid nodule ≥ 6 mm without its solid size: no rule applies, none is guessed.
    expect(followUpFor('part_solid', 12, null)).toBeNull();
  });

  it('every number of a follow-up sentence is in the guideline text it cites', async () => {
    const { readFileSync } = await import('node:fs');
    const guideline = readFileSync(new URL('../demo/corpus/lung-nodule-guideline.md', import.meta.url), 'utf8').replace(/\s+/g, '');
    for (const nodeType of ['solid', 'ground_glass', 'part_solid'] as const) {
      for (const size of [4, 6, 7, 10]) {
        const f = followUpFor(nodeType, size, nodeType === 'part_solid' ? 7 : null);
        for (const n of f?.advice.match(/\d+/g) ?? []) expect(guideline).toContain(n);
      }
    }
  });
});

describe('numeric / laterality / segment guard', () => {
  const reference = draftText(renderDraft(values(GGN)));

  it('accepts a rewrite that keeps every value', () => {
    expect(guard('右肺上叶尖段磨玻璃结节，约8.2×6.1mm，体积0.19cm³，CT值约-612HU，边界清楚，形态规则。印象：右肺上叶尖段磨玻璃结节，建议6～12个月复查CT。', reference)).toEqual({ ok: true, issues: [] });
  });

  it('rejects an invented number (12mm where the input said 8.2mm) and names it', () => {
    const r = guard('右肺上叶尖段见一磨玻璃结节，大小约12mm。', reference);
    expect(r.ok).toBe(false);
    expect(r.issues).toEqual([expect.objectContaining({ kind: 'number', found: '12mm' })]);
  });

  it('rejects a unit change (0.82cm for 8.2mm is not in the inputs) and a changed CT value', () => {
    expect(guard('大小约0.82cm', reference).ok).toBe(false);
    expect(guard('平均CT值约-621HU', reference).issues[0].found).toBe('-621HU');
  });

  it('rejects a flipped side and a moved segment', () => {
    expect(guard('左肺上叶尖段见一磨玻璃结节，大小约8.2mm×6.1mm。', reference).issues).toEqual([expect.objectContaining({ kind: 'laterality', found: '左' })]);
    expect(guard('右肺上叶后段见一磨玻璃结节。', reference).issues).toEqual([expect.objectContaining({ kind: 'segment', found: '后段' })]);
    expect(guard('右肺下叶见一磨玻璃结节。', reference).issues[0]).toMatchObject({ kind: 'segment', found: '下叶' });
  });

  it('rejects a changed count', () => {
    expect(guard('右肺上叶尖段见两个磨玻璃结节。', reference).issues[0]).toMatchObject({ kind: 'number', found: '两个' });
  });

  it('the template text always passes its own guard', () => {
    for (const v of [GGN, { findingType: 'liver_lesion', segment: 'S2', longMm: 31.26, meanHu: -5.4 }, { findingType: 'lung_nodule', nodeType: 'part_solid', side: 'left', segment: 'S1+2', longMm: 9, shortMm: 7, solidMm: 3 }]) {
      const text = draftText(renderDraft(values(v)));
      expect(guard(text, text)).toEqual({ ok: true, issues: [] });
    }
  });
});

describe('report QC (rules, no model)', () => {
  const qc = new ReportQc(loadLanguage().lexicon);

  it('flags a left/right mismatch between findings and impression at its span', () => {
    const text = '影像所见：右肺上叶尖段见一磨玻璃结节，大小约8mm×6mm，边界清楚。\n印象：左肺上叶磨玻璃结节，建议随访。';
    const f = qc.check(text).flags.filter((x) => x.kind === 'laterality');
    expect(f).toHaveLength(1);
    expect(text.slice(f[0].span?.start, f[0].span?.end)).toBe('左肺上叶');
    expect(f[0].suggestion).toBe('右肺上叶');
  });

  it('flags a size in the impression that the findings do not give (80mm vs 8mm), accepts 0.8cm for 8mm', () => {
    const bad = qc.check('所见：右肺上叶见一实性结节，大小约8mm×6mm。\n印象：右肺上叶实性结节，约80mm。').flags.filter((x) => x.kind === 'size');
    expect(bad.map((x) => x.text)).toEqual(['80mm']);
    expect(qc.check('所见：右肺上叶见一实性结节，大小约8mm×6mm。\n印象：右肺上叶实性结节，约0.8cm。').flags.filter((x) => x.kind === 'size')).toEqual([]);
  });

  it('maps non-standard terms and typos to the preferred word, and names impossible anatomy', () => {
    const r = qc.check('所见：左肺中叶见一毛玻璃结节，纵膈内未见肿大淋巴节，可见胸膜凹陷症。\n印象：左肺中叶磨玻璃结节。');
    const by = (k: string) => r.flags.filter((x) => x.kind === k).map((x) => `${x.text}→${x.suggestion}`);
    expect(by('term')).toContain('毛玻璃结节→磨玻璃结节');
    expect(by('typo')).toEqual(['纵膈→纵隔', '淋巴节→淋巴结', '胸膜凹陷症→胸膜凹陷征']);
    expect(by('anatomy')).toHaveLength(2);
  });

  it('names the required items a lung nodule report lacks, and a missing impression', () => {
    const r = qc.check('右肺上叶见一结节。');
    expect(r.flags.filter((x) => x.kind === 'missing').map((x) => x.message).join()).toMatch(/印象.*大小|大小.*印象/s);
  });

  it('a clean report gets no flags; an empty one and a 20,000+ character one are refused by name', () => {
    expect(qc.check('影像所见：右肺上叶尖段见一磨玻璃结节，大小约8.2mm×6.1mm，边界清楚。\n印象：右肺上叶尖段磨玻璃结节（平均直径约7.2mm）。').flags).toEqual([]);
    expect(() => qc.check('  ')).toThrow(/为空|empty/);
    expect(() => qc.check('肺'.repeat(20_001))).toThrow(/20000/);
  });

  it('checks a 20,000-character report (long reports are real: multi-region follow-ups)', () => {
    const block = '所见：右肺上叶尖段见一磨玻璃结节，大小约8mm×6mm。纵膈未见异常。\n';
    const text = `${block.repeat(Math.floor(19_900 / block.length))}印象：左肺上叶磨玻璃结节，约8mm。`;
    const r = qc.check(text);
    expect(r.flags.some((f) => f.kind === 'laterality')).toBe(true);
    expect(r.flags.filter((f) => f.kind === 'typo').length).toBeGreaterThan(100);
  });
});

describe('RIS exports', () => {
  const t = renderDraft(values(GGN));
  const draft: Draft = {
    id: 'rpt_test1', createdAt: '2026-12-06T10:20:30.000Z', createdBy: 'dr', source: { kind: 'typed', measurementId: null, lesion: null, aiResultId: null, findingIndex: null },
    values: values(GGN), templateId: t.templateId, templateVersion: t.templateVersion, engine: 'template', engineNote: 'x',
    llm: { status: 'not_configured', model: null, prompt: null, reason: null, issues: [], candidate: null },
    findings: `${t.findings} 注：A|B^C&D~E\\F`, impression: t.impression, followUpText: t.followUpText, followUp: t.followUp, templateText: draftText(t), text: draftText(t), renderedValues: t.values, notes: [], provenanceUrl: '/reports/drafts/rpt_test1', revision: null,
  };

  it('HL7 v2 ORU^R01 parses back, HL7-special characters escaped and restored', () => {
    const msg = toHl7(draft, 'https://ris.example');
    const segs = parseHl7(msg);
    expect(segs.map((s) => s.name)).toEqual(['MSH', 'OBR', ...segs.slice(2).map(() => 'OBX')]);
    expect(segs[0].fields[9]).toBe('ORU^R01^ORU_R01');
    expect(segs[0].fields[12]).toBe('2.5.1');
    const findings = segs.find((s) => s.name === 'OBX' && s.fields[3].startsWith('59776-5'));
    expect(components(findings?.fields[5] ?? '')[0]).toBe(draft.findings);
    expect(findings?.fields[5]).toContain('\\F\\');
    // Every line is one segment: no raw | ^ & ~ \ from the text leaked into the structure.
    for (const s of segs.filter((x) => x.name === 'OBX')) expect(s.fields.length).toBe(12);
    const nm = segs.filter((s) => s.fields[2] === 'NM');
    expect(nm.map((s) => s.fields[5])).toEqual(expect.arrayContaining(['8.2', '6.1', '0.19', '-612']));
    expect(components(nm.find((s) => s.fields[5] === '-612')?.fields[6] ?? '')).toEqual(["[hnsf'U]", 'HU', 'UCUM']);
    expect(msg).toContain('https://ris.example/reports/drafts/rpt_test1');
    expect(hl7Escape('a|b')).toBe('a\\F\\b');
  });

  it('FHIR R4 Bundle: DiagnosticReport referencing one Observation per number, UCUM units, provenance URL', () => {
    const b = toFhir(draft, 'https://yz.example') as { entry: Array<{ fullUrl: string; resource: Record<string, unknown> }> };
    const Coding = z.object({ system: z.string().url().or(z.string().startsWith('urn:')), code: z.string().min(1) });
    const Report = z.object({
      resourceType: z.literal('DiagnosticReport'), status: z.enum(['registered', 'partial', 'preliminary', 'final']), code: z.object({ coding: z.array(Coding).min(1) }),
      result: z.array(z.object({ reference: z.string().startsWith('urn:uuid:') })), conclusion: z.string(), presentedForm: z.array(z.object({ contentType: z.string(), data: z.string().regex(/^[A-Za-z0-9+/=]+$/) })),
    });
    const Obs = z.object({ resourceType: z.literal('Observation'), status: z.literal('preliminary'), code: z.object({ coding: z.array(Coding) }), valueQuantity: z.object({ value: z.number(), system: z.literal('http://unitsofmeasure.org'), code: z.string() }) });
    expect(b).toMatchObject({ resourceType: 'Bundle', type: 'collection' });
    const report = Report.parse(b.entry[0].resource);
    const obs = b.entry.slice(1).map((e) => Obs.parse(e.resource));
    expect(report.result.map((r) => r.reference)).toEqual(b.entry.slice(1).map((e) => e.fullUrl));
    expect(obs.map((o) => `${o.valueQuantity.value}${o.valueQuantity.code}`)).toEqual(expect.arrayContaining(['8.2mm', '0.19cm3', "-612[hnsf'U]"]));
    expect(Buffer.from(report.presentedForm[0].data, 'base64').toString('utf8')).toBe(draft.text);
    expect(JSON.stringify(b)).toContain('https://yz.example/reports/drafts/rpt_test1');
    expect(JSON.stringify(toFhir(draft))).toBe(JSON.stringify(toFhir(draft)));
  });
});
