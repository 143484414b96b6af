import { loadLanguage } from '../core/index.ts';
import { baselineStructurer, loadStructureGold } from '../evals/structure.ts';
import { draftText, guard, renderDraft, ReportQc, ReportStructurer, ReportValuesSchema } from '../reporting/index.ts';
import { printTable } from './table.ts';

/**
 * Report drafting without a model and report QC (issue 17 targets: draft ≤ 50 ms, QC of a 2,000-character report
 * ≤ 30 ms). Median of 200 runs after 20 warm-up runs; the guard over the same draft is the peer row (the check a
 * model rewrite costs on top of the template engine).
 */
export async function runReportingBench(): Promise<Record<string, number>> {
  const values = ReportValuesSchema.parse({ findingType: 'lung_nodule', nodeType: 'part_solid', side: 'right', lobe: 'upper', segment: 'S1', longMm: 14.2, shortMm: 11.3, volumeCm3: 1.12, meanHu: -310, solidMm: 6.4, margin: 'clear', contour: 'lobulated' });
  const { lexicon, tokenizer } = loadLanguage();
  const qc = new ReportQc(lexicon, tokenizer);
  const rulesOnly = new ReportQc(lexicon);
  const block = '影像所见：右肺上叶尖段见一毛玻璃结节，大小约8mm×6mm，边界清楚，纵膈内未见肿大淋巴节。肝右叶S7段见一低密度灶，大小约23mm×18mm。\n';
  const report = `${block.repeat(Math.ceil(1950 / block.length)).slice(0, 1950)}\n印象：左肺上叶磨玻璃结节，约80mm。`;
  const text = draftText(renderDraft(values));
  const out = {
    draftMs: median(() => draftText(renderDraft(values))),
    guardMs: median(() => guard(text, text)),
    qc2000Ms: median(() => qc.check(report)),
    qc2000RulesOnlyMs: median(() => rulesOnly.check(report)),
    qcChars: report.length,
  };
  printTable('Reporting (no model)', ['step', 'median ms', 'target'], [
      ['draft (template engine, part-solid nodule with follow-up rule)', out.draftMs.toFixed(3), '≤ 50'],
      ['guard of that draft against itself', out.guardMs.toFixed(3), '—'],
      [`QC of a ${out.qcChars}-character report (rules + structurer: counts, sides)`, out.qc2000Ms.toFixed(3), '≤ 30'],
      ['  peer: the same QC without the structurer', out.qc2000RulesOnlyMs.toFixed(3), '—'],
    ]);
  return out;
}

function median(fn: () => unknown): number {
  for (let i = 0; i < 20; i++) fn();
  const t: number[] = [];
  for (let i = 0; i < 200; i++) {
    const s = performance.now();
    fn();
    t.push(performance.now() - s);
  }
  t.sort((a, b) => a - b);
  return t[100];
}

/**
 * Post-structuring throughput (issue 17 target ≥ 200 reports/s): reports of six authored evaluation sentences
 * each (findings + impression headings), structured over and over for 2 s; the lexicon-only baseline reader on the
 * same reports is the peer row.
 */
export async function runStructureBench(): Promise<Record<string, number>> {
  const { lexicon, tokenizer } = loadLanguage();
  const sentences = loadStructureGold().map((s) => s.text);
  const reports: string[] = [];
  for (let i = 0; i + 6 <= sentences.length; i += 6) reports.push(`影像所见：${sentences.slice(i, i + 5).join('')}\n印象：${sentences[i + 5]}`);
  const ours = new ReportStructurer(lexicon, tokenizer);
  const base = baselineStructurer(lexicon, tokenizer);
  const rate = (fn: (t: string) => unknown) => {
    for (const r of reports) fn(r);
    let n = 0;
    const start = performance.now();
    while (performance.now() - start < 2000) fn(reports[n++ % reports.length]);
    return n / ((performance.now() - start) / 1000);
  };
  const chars = Math.round(reports.reduce((a, r) => a + r.length, 0) / reports.length);
  const out = { structureReportsPerS: rate((t) => ours.structure(t)), baselineReportsPerS: rate(base), meanChars: chars, reports: reports.length };
  printTable(`Post-structuring (${out.reports} reports of ~${chars} characters, 6 authored sentences each)`, ['reader', 'reports/s', 'target'], [
    ['structurer (findings, location, side, size, count, certainty)', out.structureReportsPerS.toFixed(0), '≥ 200'],
    ['peer: lexicon-only baseline (mentions + certainty, no scope)', out.baselineReportsPerS.toFixed(0), '—'],
  ]);
  return out;
}
