import { AppError } from '../core/index.ts';
import type { AiResultRow, MeasurementResult } from '../imaging/index.ts';
import { lungLobeOf } from './anatomy.ts';
import type { ValueSources } from './engine.ts';
import { type NodeType, parseReportValues, type ReportValues, type ReportValuesInput } from './values.schema.ts';

/**
 * Values for a draft read from a stored measurement (by lesion) or an imaging-AI finding, each with the ref
 * it came from. Values the user typed beside them (the side of a nodule a mask does not know, a corrected
 * density type) win and are marked `typed`.
 */

export interface ResolvedValues {
  values: ReportValues;
  sources: ValueSources;
}

type Overrides = Partial<ReportValuesInput>;

function merge(base: Partial<ReportValuesInput>, sources: ValueSources, overrides: Overrides): ResolvedValues {
  const out: ValueSources = { ...sources };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined || v === null) continue;
    out[k as keyof ReportValues] = { kind: 'typed', ref: `typed:${k}` };
  }
  const values = parseReportValues({ ...base, ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined && v !== null)) });
  return { values, sources: out };
}

const NODE_OF: Record<string, NodeType> = { pure_ground_glass: 'ground_glass', part_solid: 'part_solid', solid: 'solid' };

export function valuesFromMeasurement(m: MeasurementResult, lesionRef: string | undefined, overrides: Overrides): ResolvedValues {
  const lesion = lesionRef ? m.lesions.find((l) => l.ref === lesionRef) : m.lesions[0];
  if (!lesion) throw new AppError('VALIDATION_FAILED', `测量 ${m.id} 中没有病灶 ${lesionRef}（有：${m.lesions.map((l) => l.ref).join('、')}）/ no lesion ${lesionRef} in ${m.id}`, { field: 'lesion' });
  const ref = (key: string) => ({ kind: 'measurement' as const, ref: `${m.id}#${lesion.ref}/${key}` });
  const findingType = overrides.findingType ?? (lesion.solidComponent && m.provenance.modality === 'CT' ? 'lung_nodule' : 'lesion_volume');
  const base: Partial<ReportValuesInput> = { findingType, volumeCm3: lesion.volumeCm3, longMm: lesion.axial.longAxis.lengthMm };
  const sources: ValueSources = { volumeCm3: ref('volume.cm3'), longMm: ref('axial.long_axis') };
  if (lesion.axial.shortAxis) {
    base.shortMm = lesion.axial.shortAxis.lengthMm;
    sources.shortMm = ref('axial.short_axis');
  }
  if (lesion.intensity.unit === 'HU') {
    base.meanHu = lesion.intensity.mean;
    sources.meanHu = ref('intensity.mean');
  }
  base.margin = lesion.descriptors.margin.grade;
  sources.margin = ref('margin.sharpness');
  if (lesion.descriptors.contour.grade !== 'indeterminate') {
    base.contour = lesion.descriptors.contour.grade;
    sources.contour = ref('contour.lobulation');
  }
  if (lesion.solidComponent) {
    base.nodeType = NODE_OF[lesion.solidComponent.nodeType];
    sources.nodeType = ref('solid.ctr');
    if (base.nodeType === 'part_solid') {
      base.solidMm = lesion.solidComponent.longAxisMm;
      sources.solidMm = ref('solid.long_axis');
    }
  }
  if (findingType === 'lesion_volume') {
    base.organ = lesion.labelName ?? `标签${lesion.label}`;
    sources.organ = { kind: 'measurement', ref: `${m.id}#${lesion.ref}/label` };
    const v = m.volumes.find((x) => x.label === lesion.label);
    if (v && m.volumes.length > 1) {
      base.sharePercent = v.sharePercent;
      sources.sharePercent = { kind: 'measurement', ref: `${m.id}#L${v.label}/label.volume.share` };
    }
    delete base.longMm;
    delete base.shortMm;
    delete base.margin;
    delete base.contour;
  }
  return merge(base, sources, overrides);
}

export function valuesFromAi(row: AiResultRow, index: number, overrides: Overrides): ResolvedValues {
  const f = row.findings[index];
  if (!f) throw new AppError('VALIDATION_FAILED', `AI 结果 ${row.id} 没有第 ${index} 个发现（共 ${row.findings.length} 个）/ no finding ${index} in ${row.id}`, { field: 'findingIndex' });
  const ref = (key: string) => ({ kind: 'ai' as const, ref: `${row.id}#findings/${index}/${key}` });
  const loc = f.location?.id ?? '';
  const lung = /_lobe$/.test(loc) || /lung/.test(loc);
  const findingType = overrides.findingType ?? (lung ? 'lung_nodule' : /liver/.test(loc) ? 'liver_lesion' : 'lesion_volume');
  const base: Partial<ReportValuesInput> = { findingType };
  const sources: ValueSources = {};
  if (f.laterality) {
    base.side = f.laterality;
    sources.side = ref('laterality');
  }
  const lobe = /_(upper|middle|lower)_lobe$/.exec(loc)?.[1] as ReportValues['lobe'] | undefined;
  if (lobe) {
    base.lobe = lobe;
    sources.lobe = ref('location');
  }
  if (f.segment && /^S\d/.test(f.segment.code)) {
    base.segment = f.segment.code;
    sources.segment = ref('segment');
    if (!base.lobe && base.side && findingType === 'lung_nodule') base.lobe = lungLobeOf(base.side, f.segment.code);
  }
  if (f.sizeMm) {
    base.longMm = f.sizeMm.long;
    sources.longMm = ref('sizeMm.long');
    if (f.sizeMm.short !== undefined) {
      base.shortMm = f.sizeMm.short;
      sources.shortMm = ref('sizeMm.short');
    }
  }
  if (f.volumeMm3 !== null) {
    base.volumeCm3 = f.volumeMm3 / 1000;
    sources.volumeCm3 = { kind: 'ai', ref: `${row.id}#findings/${index}/volumeMm3 ÷ 1000` };
  }
  if (f.meanHu !== null) {
    base.meanHu = f.meanHu;
    sources.meanHu = ref('meanHu');
  }
  const kind = `${f.entity?.id ?? ''} ${f.label}`.toLowerCase();
  const nodeType: NodeType | undefined = /part_solid|mixed|mggn|部分实性/.test(kind) ? 'part_solid' : /ground_glass|ggn|ggo|磨玻璃/.test(kind) ? 'ground_glass' : /solid|实性/.test(kind) ? 'solid' : undefined;
  if (nodeType && findingType === 'lung_nodule') {
    base.nodeType = nodeType;
    sources.nodeType = ref('label');
  }
  if (findingType === 'lesion_volume') base.organ = f.location?.nameZh ?? f.entity?.nameZh ?? f.label;
  return merge(base, sources, overrides);
}
