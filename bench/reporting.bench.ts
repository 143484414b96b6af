import { loadLanguage } from '../core/index.ts';
import { draftText, guard, renderDraft, ReportQc, ReportValuesSchema } from '../reporting/index.ts';
import { printTable } from './table.ts';

/**
 * Report drafting without a model and report QC (issue 17 targets: draft ≤ 50 ms, QC of a 2,000-character report
 * ≤ 30 ms). Median of 200 runs after 20 warm-up runs; the guard over the same draft is the peer row (the check a
 * model rewrite costs on top of the template engine).
 */
export async function runReportingBench(): Promise<Record<string, number>> {
  const values = ReportValuesSchema.parse({ findingType: 'lung_nodule', nodeType: 'part_solid', side: 'right', lobe: 'upper', segment: 'S1', longMm: 14.2, shortMm: 11.3, volumeCm3: 1.12, meanHu: -310, solidMm: 6.4, margin: 'clear', contour: 'lobulated' });
  const qc = new ReportQc(loadLanguage().lexicon);
  const block = '影像所见：右肺上叶尖段见一毛玻璃结节，大小约8mm×6mm，边界清楚，纵膈内未见肿大淋巴节。肝右叶S7段见一低密度灶，大小约23mm×18mm。\n';
  const report = `${block.repeat(Math.ceil(1950 / block.length)).slice(0, 1950)}\n印象：左肺上叶磨玻璃结节，约80mm。`;
  const text = draftText(renderDraft(values));
  const median = (fn: () => unknown) => {
    for (let i = 0; i < 20; i++) fn();
    const t: number[] = [];
    for (let i = 0; i < 200; i++) {
      const s = performance.now();
      fn();
      t.push(performance.now() - s);
    }
    t.sort((a, b) => a - b);
    return t[100];
  };
  const out = {
    draftMs: median(() => draftText(renderDraft(values))),
    guardMs: median(() => guard(text, text)),
    qc2000Ms: median(() => qc.check(report)),
    qcChars: report.length,
  };
  printTable('Reporting (no model)', ['step', 'median ms', 'target'], [
      ['draft (template engine, part-solid nodule with follow-up rule)', out.draftMs.toFixed(3), '≤ 50'],
      ['guard of that draft against itself', out.guardMs.toFixed(3), '—'],
      [`QC of a ${out.qcChars}-character report`, out.qc2000Ms.toFixed(3), '≤ 30'],
    ]);
  return out;
}
