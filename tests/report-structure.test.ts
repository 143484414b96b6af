import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadLanguage } from '../core/index.ts';
import { evaluateStructure, loadStructureGold } from '../evals/structure.ts';
import { ReportQc, ReportStructurer } from '../reporting/index.ts';

/**
 * Post-structuring of free-text reports (issue 17 §5), its use by QC (counts and sides finding by finding), the
 * authored QC dictionary's sanity, and the `yingzhi structure` CLI.
 */
const { lexicon, tokenizer } = loadLanguage();
const s = new ReportStructurer(lexicon, tokenizer);
const read = (text: string) => s.structure(text).findings;
const one = (text: string, name: string) => {
  const f = read(text).find((x) => x.entity.text === name || x.entity.name === name);
  if (!f) throw new Error(`no finding ${name} in ${text}`);
  return f;
};

describe('post-structuring a free-text report', () => {
  it('reads entity, location, segment, side, size exactly as written and count, each with its span', () => {
    const text = '右肺上叶尖段见一磨玻璃结节，大小约8.2mm×6.1mm，边界清楚。';
    const f = one(text, '磨玻璃结节');
    expect(f).toMatchObject({ entity: { id: 'sign.ground_glass_nodule' }, certainty: 'present', segment: '尖段', laterality: 'right', count: { value: 1, text: '一' } });
    expect(f.location).toMatchObject({ text: '右肺上叶尖段', entityId: 'anat.lung_segment_rs1' });
    expect(f.sizes).toEqual([{ text: '8.2mm×6.1mm', values: [8.2, 6.1], unit: 'mm', span: { start: 17, end: 28 } }]);
    for (const span of [f.entity.span, f.location?.span, f.count?.span, f.sizes[0].span]) expect(span && text.slice(span.start, span.end)).toBeTruthy();
    expect(text.slice(f.entity.span.start, f.entity.span.end)).toBe('磨玻璃结节');
  });

  it('a negation covers the whole list in its clause, and stops at the next clause', () => {
    expect(read('未见胸腔积液及淋巴结肿大。').map((f) => [f.entity.id, f.certainty])).toEqual([['find.pleural_effusion', 'absent'], ['find.lymphadenopathy', 'absent']]);
    const r = read('未见胸腔积液，可见毛刺征。');
    expect(r.map((f) => f.certainty)).toEqual(['absent', 'present']);
    expect(read('No pleural effusion or lymphadenopathy.').map((f) => f.certainty)).toEqual(['absent', 'absent']);
  });

  it('hedges: 考虑 / 不除外 / 待排 / cannot be excluded are possible, the finding they follow is not', () => {
    const r = read('肝右叶S6见2个低密度灶，较大者约1.2cm×0.8cm，不除外血管瘤。');
    expect(r.map((f) => [f.entity.name, f.certainty])).toEqual([['低密度灶', 'present'], ['血管瘤', 'possible']]);
    expect(r[0]).toMatchObject({ count: { value: 2, text: '2个' }, segment: 'S6', laterality: null, location: { text: '肝右叶S6' } });
    expect(one('右肺下叶背段见一空洞，待排肺结核。', '肺结核').certainty).toBe('possible');
  });

  it('counts: 见2个 / 多发 / 3枚 / Two …; an absent finding has no count or size', () => {
    expect(one('双肺见多发实性结节，最大者约5mm。', '实性结节')).toMatchObject({ count: { value: 'multiple', text: '多发' }, laterality: 'bilateral', sizes: [{ text: '5mm' }] });
    expect(one('胆囊内见3枚结石。', '结石').count).toMatchObject({ value: 3, text: '3枚' });
    expect(one('Two ground-glass nodules in the right lower lobe, measuring 5 mm and 7 mm.', 'ground-glass nodules')).toMatchObject({ count: { value: 2 }, laterality: 'right', sizes: [{ text: '5 mm', unit: 'mm' }, { text: '7 mm' }] });
    expect(one('右肺上叶见结节，大小约8mm，未见钙化。', '钙化')).toMatchObject({ certainty: 'absent', sizes: [], count: null });
  });

  it('words the lexicon does not know come back unresolved (id null), with their attributes', () => {
    const f = one('左肾上极见一囊肿，直径约15mm。', '囊肿');
    expect(f).toMatchObject({ entity: { id: null, name: '囊肿' }, laterality: 'left', location: { text: '左肾上极' }, sizes: [{ text: '15mm' }] });
  });

  it('never invents a number: every size and count is text of the report at its span', () => {
    for (const g of loadStructureGold()) {
      for (const f of read(g.text)) {
        for (const x of [...f.sizes, ...(f.count ? [f.count] : [])]) expect(g.text.slice(x.span.start, x.span.end)).toBe(x.text);
      }
    }
  });

  it('deterministic, and nothing in empty text', () => {
    const t = '右肺中叶见一结节，结节边界清楚，未见钙化。';
    expect(read(t)).toEqual(read(t));
    expect(read(t).filter((f) => f.entity.name === '结节')).toHaveLength(1);
    expect(read('')).toEqual([]);
  });
});

describe('structure evaluation set (authored)', () => {
  it('has ≥ 60 sentences split dev / held-out, and on dev the structurer beats the lexicon-only baseline on certainty, location and side recall', () => {
    const gold = loadStructureGold();
    expect(gold.length).toBeGreaterThanOrEqual(60);
    expect(new Set(gold.map((g) => g.split))).toEqual(new Set(['dev', 'heldout']));
    const r = evaluateStructure(lexicon, tokenizer, { split: 'dev' });
    const [ours, base] = r.methods.map((m) => Object.fromEntries(m.fields.map((f) => [f.field, f])));
    for (const k of ['certainty', 'location', 'laterality', 'size', 'count']) expect(ours[k].recall).toBeGreaterThan(base[k].recall);
    expect(ours.certainty.precision).toBeGreaterThan(0.9);
  });
});

describe('QC with the structurer', () => {
  const qc = new ReportQc(lexicon, tokenizer);

  it('flags a count the impression gives differently (见2个结节 vs 印象 3个结节) at the impression count', () => {
    const text = '影像所见：左肺下叶见2个实性结节，较大者约5mm。\n印象：左肺下叶3个实性结节。';
    const f = qc.check(text).flags.filter((x) => x.kind === 'count');
    expect(f).toHaveLength(1);
    expect(text.slice(f[0].span?.start, f[0].span?.end)).toBe('3个');
    expect(f[0].suggestion).toBe('2个');
    expect(qc.check('影像所见：左肺下叶见2个实性结节。\n印象：左肺下叶2个实性结节。').flags.filter((x) => x.kind === 'count')).toEqual([]);
  });

  it('flags a finding on the other side in the impression (右侧股骨颈骨折 / 印象 左侧股骨颈骨折), which the organ rule cannot', () => {
    const text = '影像所见：右侧股骨颈骨折，断端对位可。\n印象：左侧股骨颈骨折。';
    const f = qc.check(text).flags.filter((x) => x.kind === 'laterality');
    expect(f).toHaveLength(1);
    expect(f[0].message).toContain('骨折');
    expect(text.slice(f[0].span?.start, f[0].span?.end)).toBe('股骨颈骨折');
    expect(new ReportQc(lexicon).check(text).flags.filter((x) => x.kind === 'laterality')).toEqual([]);
  });

  it('flags a size without a unit and a size written in two units; a clean report stays clean', () => {
    const r = qc.check('影像所见：右肺上叶见一实性结节，大小约8×6，另见一结节约5mm×0.4cm。\n印象：右肺上叶实性结节。');
    expect(r.flags.filter((x) => x.kind === 'size').map((x) => x.text)).toEqual(['8×6', '5mm×0.4cm']);
    expect(qc.check('影像所见：右肺上叶尖段见一磨玻璃结节，大小约8.2mm×6.1mm，边界清楚。\n印象：右肺上叶尖段磨玻璃结节（平均直径约7.2mm）。').flags).toEqual([]);
  });

  it('the dictionary holds ≥ 200 authored pairs, none maps a word to itself or to another entry, and standard text is never flagged', () => {
    const d = parse(readFileSync(path.join(import.meta.dirname, '../reporting/qc/terms.yaml'), 'utf8')) as { terms: Record<string, string>; typos: Record<string, string> };
    const pairs = { ...d.terms, ...d.typos };
    expect(Object.keys(d.terms).length + Object.keys(d.typos).length).toBeGreaterThanOrEqual(200);
    for (const [from, to] of Object.entries(pairs)) {
      expect(to, from).not.toBe(from);
      expect(pairs[to], `${from} → ${to} → ${pairs[to]}`).toBeUndefined();
    }
    // Every standard word written out: none may hold a non-standard key inside it (液平 inside 气液平面 would).
    const standard = `影像所见：${[...new Set(Object.values(pairs))].join('，')}。`;
    const flagged = new ReportQc().check(standard).flags.filter((f) => f.kind === 'term' || f.kind === 'typo');
    expect(flagged.map((f) => f.text)).toEqual([]);
  });

  it('checks a 2,000-character report with the structurer and a 20,000-character one', () => {
    const block = '影像所见：右肺上叶尖段见一磨玻璃结节，大小约8mm×6mm，边界清楚，未见胸腔积液。\n';
    const long = `${block.repeat(Math.floor(19_900 / block.length))}印象：左肺上叶磨玻璃结节，约8mm。`;
    expect(qc.check(long).flags.some((f) => f.kind === 'laterality')).toBe(true);
  });
});

describe('yingzhi structure', () => {
  const cli = (...args: string[]) => execFileSync(process.execPath, ['cli/bin.mjs', ...args], { encoding: 'utf8', stdio: 'pipe', cwd: path.join(import.meta.dirname, '..') });

  it('prints findings as JSON with spans, and refuses an empty file by name', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'yz-structure-'));
    const file = path.join(dir, 'r.txt');
    writeFileSync(file, '影像所见：左肺下叶见2个实性结节，未见胸腔积液及淋巴结肿大。');
    const out = JSON.parse(cli('structure', file, '--json'));
    expect(out.findings.map((f: { entity: { name: string }; certainty: string }) => `${f.entity.name}:${f.certainty}`)).toEqual(['实性结节:present', '胸腔积液:absent', '淋巴结肿大:absent']);
    expect(out.findings[0].count).toMatchObject({ value: 2, text: '2个' });
    writeFileSync(file, '  \n');
    let failed: { status: number; stdout: string; stderr: string } | null = null;
    try {
      cli('structure', file, '--json');
    } catch (e) {
      failed = e as { status: number; stdout: string; stderr: string };
    }
    expect(failed?.status).not.toBe(0);
    expect(`${failed?.stdout}${failed?.stderr}`).toMatch(/为空|empty/);
  }, 60_000);
});
