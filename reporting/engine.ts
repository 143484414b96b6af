import { AppError } from '../core/index.ts';
import { formatLocation } from './anatomy.ts';
import { citationText, type FollowUp, followUpFor } from './followup.ts';
import { SLOT, type Template, type TemplatePart, templateFor } from './templates.ts';
import type { RenderedValue, ReportValues, ValueSource } from './values.schema.ts';

/**
 * The deterministic template engine: values in, standard Chinese findings / impression / follow-up out.
 * No model, no clock, no randomness: the same values give the same text, and every number written is one of
 * the inputs (rounded for display), a named formula of them, or quoted from a cited rule.
 */

export interface TemplateDraft {
  templateId: string;
  templateVersion: string;
  findings: string;
  impression: string;
  followUp: FollowUp | null;
  /** 建议：… with its citation, or null when no encoded rule applies. */
  followUpText: string | null;
  /** Every value written, with the text it was written as and where it came from. */
  values: RenderedValue[];
  notes: string[];
}

export type ValueSources = Partial<Record<keyof ReportValues, ValueSource>>;

const NODE_ZH = { solid: '实性结节', part_solid: '部分实性结节', ground_glass: '磨玻璃结节' } as const;
const MARGIN_ZH = { clear: '边界清楚', fairly_clear: '边界尚清', ill_defined: '边界模糊' } as const;
const CONTOUR_ZH = { regular: '形态规则', lobulated: '边缘可见分叶', spiculated: '边缘可见毛刺', lobulated_spiculated: '边缘可见分叶及毛刺', irregular: '形态不规则' } as const;
const DENSITY_ZH = { low: '低密度', iso: '等密度', high: '高密度', mixed: '混杂密度' } as const;

/** Display rounding: lengths to 0.1 mm, volumes to 0.01 cm³, CT numbers to 1 HU, shares to 0.1 %. */
export const round1 = (x: number) => Math.round(x * 10) / 10;
const round2 = (x: number) => Math.round(x * 100) / 100;
const fixed = (x: number, d: number) => x.toFixed(d).replace(/^-0(\.0+)?$/, '0$1');

/** Which input field a slot reports missing as (the API's `field`). */
const FIELD_OF: Record<string, string> = { location: 'side', long: 'longMm', short: 'shortMm', volume: 'volumeCm3', meanHu: 'meanHu', solid: 'solidMm', share: 'sharePercent' };

export function renderDraft(values: ReportValues, sources: ValueSources = {}, templateId?: string): TemplateDraft {
  const t = templateFor(values.findingType, templateId);
  if (t.findingType !== values.findingType) throw new AppError('VALIDATION_FAILED', `模板 ${t.id} 用于 ${t.findingType}，不能用于 ${values.findingType} / template ${t.id} is for ${t.findingType}`, { field: 'templateId' });
  const src = (k: keyof ReportValues): ValueSource => sources[k] ?? { kind: 'typed', ref: `typed:${k}` };
  const slots = new Map<string, RenderedValue>();
  const put = (slot: string, text: string, value: number | null, unit: string | null, source: ValueSource) => slots.set(slot, { slot, text, value, unit, source });
  const notes: string[] = [];

  const loc = formatLocation(values);
  if (loc) put('location', loc.text, null, null, src(values.findingType === 'liver_lesion' ? 'segment' : 'side'));
  if (values.nodeType && values.findingType === 'lung_nodule') put('nodeType', NODE_ZH[values.nodeType], null, null, src('nodeType'));
  if (values.findingType === 'liver_lesion') put('density', values.density ? DENSITY_ZH[values.density] : '病', null, null, src('density'));
  put('count', values.count === 1 ? '一' : `${values.count}个`, values.count === 1 ? null : values.count, null, src('count'));
  const long = values.longMm === undefined ? undefined : round1(values.longMm);
  const short = values.shortMm === undefined ? undefined : round1(values.shortMm);
  if (long !== undefined) put('long', `${fixed(long, 1)}mm`, long, 'mm', src('longMm'));
  if (short !== undefined) put('short', `${fixed(short, 1)}mm`, short, 'mm', src('shortMm'));
  if (long !== undefined && short !== undefined) {
    if (short > long) throw new AppError('VALIDATION_FAILED', `短径 ${short}mm 大于长径 ${long}mm / the short axis is longer than the long axis`, { field: 'shortMm' });
    const mean = round1((long + short) / 2);
    put('meanDiameter', `${fixed(mean, 1)}mm`, mean, 'mm', { kind: 'derived', ref: '(长径+短径)/2' });
  }
  if (values.volumeCm3 !== undefined) put('volume', `${fixed(round2(values.volumeCm3), 2)}cm³`, round2(values.volumeCm3), 'cm³', src('volumeCm3'));
  if (values.meanHu !== undefined) put('meanHu', `${fixed(Math.round(values.meanHu), 0)}HU`, Math.round(values.meanHu), 'HU', src('meanHu'));
  if (values.solidMm !== undefined && values.nodeType === 'part_solid') put('solid', `${fixed(round1(values.solidMm), 1)}mm`, round1(values.solidMm), 'mm', src('solidMm'));
  else if (values.solidMm !== undefined) notes.push('实性成分仅用于部分实性结节，已忽略 / solid component ignored: not a part-solid nodule');
  if (values.sharePercent !== undefined) put('share', `${fixed(round1(values.sharePercent), 1)}%`, round1(values.sharePercent), '%', src('sharePercent'));
  if (values.margin) put('margin', MARGIN_ZH[values.margin], null, null, src('margin'));
  if (values.contour) put('contour', CONTOUR_ZH[values.contour], null, null, src('contour'));
  if (values.organ) put('organ', values.organ, null, null, src('organ'));
  if (values.findingType === 'lesion_volume' && !loc) put('location', '', null, null, { kind: 'typed', ref: 'typed:side' });

  for (const r of t.required) if (!slots.has(r)) throw missing(t, r);
  const used = new Set<string>(['followUp']);
  const findings = renderParts(t, t.findings, slots, used);
  const impression = renderParts(t, t.impression, slots, used);

  let followUp: FollowUp | null = null;
  if (values.findingType === 'lung_nodule' && values.nodeType && long !== undefined) {
    const basis = slots.get('meanDiameter')?.value ?? long;
    const solid = slots.get('solid')?.value ?? null;
    followUp = followUpFor(values.nodeType, basis, solid);
    if (!followUp) notes.push('没有适用的随访规则（部分实性结节需给出实性成分大小）/ no follow-up rule applies (a part-solid nodule needs its solid component size)');
  }
  const followUpText = followUp ? `建议：${followUp.advice}（依据：${citationText(followUp)}；适用于${followUp.appliesTo}）。` : null;
  if (followUp) slots.set('followUp', { slot: 'followUp', text: followUp.advice, value: null, unit: null, source: { kind: 'rule', ref: citationText(followUp) } });

  return { templateId: t.id, templateVersion: t.version, findings, impression, followUp, followUpText, values: [...slots.values()].filter((v) => used.has(v.slot) && v.text !== ''), notes };
}

function renderParts(t: Template, parts: TemplatePart[], slots: Map<string, RenderedValue>, used: Set<string>): string {
  let out = '';
  for (const p of parts) {
    if (p.unless && slots.has(p.unless)) continue;
    const names = [...p.text.matchAll(SLOT)].map((m) => m[1]);
    const absent = names.find((n) => !slots.has(n));
    if (absent) {
      if (p.optional) continue;
      throw missing(t, absent);
    }
    for (const n of names) used.add(n);
    out += p.text.replace(SLOT, (_, n: string) => slots.get(n)?.text ?? '');
  }
  return out;
}

function missing(t: Template, slot: string): AppError {
  return new AppError('VALIDATION_FAILED', `模板 ${t.id}@${t.version} 需要「${slot}」，输入中没有 / template ${t.id} needs ${slot}, which the input lacks`, { field: FIELD_OF[slot] ?? slot });
}

/** The draft as one plain text: 影像所见 / 印象 / 建议. */
export function draftText(d: { findings: string; impression: string; followUpText: string | null }): string {
  return [`影像所见：\n${d.findings}`, `印象：\n${d.impression}${d.followUpText ? `\n${d.followUpText}` : ''}`].join('\n\n');
}
