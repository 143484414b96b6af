import { AppError } from '../core/index.ts';
import type { ReportValues } from './values.schema.ts';

/** Lung segments per side and lobe (the names the department writes). */
const LUNG_SEGMENTS: Record<'left' | 'right', Record<string, { lobe: 'upper' | 'middle' | 'lower'; zh: string }>> = {
  right: {
    S1: { lobe: 'upper', zh: '尖段' }, S2: { lobe: 'upper', zh: '后段' }, S3: { lobe: 'upper', zh: '前段' },
    S4: { lobe: 'middle', zh: '外侧段' }, S5: { lobe: 'middle', zh: '内侧段' },
    S6: { lobe: 'lower', zh: '背段' }, S7: { lobe: 'lower', zh: '内基底段' }, S8: { lobe: 'lower', zh: '前基底段' }, S9: { lobe: 'lower', zh: '外基底段' }, S10: { lobe: 'lower', zh: '后基底段' },
  },
  left: {
    'S1+2': { lobe: 'upper', zh: '尖后段' }, S3: { lobe: 'upper', zh: '前段' }, S4: { lobe: 'upper', zh: '上舌段' }, S5: { lobe: 'upper', zh: '下舌段' },
    S6: { lobe: 'lower', zh: '背段' }, 'S7+8': { lobe: 'lower', zh: '前内基底段' }, S9: { lobe: 'lower', zh: '外基底段' }, S10: { lobe: 'lower', zh: '后基底段' },
  },
};

const LOBE_ZH = { upper: '上叶', middle: '中叶', lower: '下叶' } as const;
export const SIDE_ZH = { left: '左', right: '右' } as const;

/** Every segment and lobe word the guard looks for in a text (longest first, so 前内基底段 wins over 前段). */
export const LOCATION_WORDS: readonly string[] = [
  ...new Set([...Object.values(LUNG_SEGMENTS.right), ...Object.values(LUNG_SEGMENTS.left)].map((s) => s.zh)),
  '上叶', '中叶', '下叶', '尾状叶',
].sort((a, b) => b.length - a.length);

export interface Location {
  text: string;
  side: 'left' | 'right' | null;
  /** The lobe and segment words written (for the guard). */
  words: string[];
}

/** The location phrase of a finding (右肺上叶尖段, 肝右叶S7段), checked for consistency: a wrong segment is refused by name. */
export function formatLocation(v: ReportValues): Location | null {
  if (v.findingType === 'lung_nodule') return lungLocation(v);
  if (v.findingType === 'liver_lesion') return liverLocation(v);
  if (!v.side) return null;
  return { text: `${SIDE_ZH[v.side]}侧`, side: v.side, words: [] };
}

function lungLocation(v: ReportValues): Location | null {
  if (!v.side) return null;
  const seg = v.segment ? LUNG_SEGMENTS[v.side][v.segment] : undefined;
  if (v.segment && !seg) throw new AppError('VALIDATION_FAILED', `${SIDE_ZH[v.side]}肺没有肺段 ${v.segment} / no segment ${v.segment} in the ${v.side} lung`, { field: 'segment' });
  const lobe = v.lobe ?? seg?.lobe;
  if (!lobe) return null;
  if (v.side === 'left' && lobe === 'middle') throw new AppError('VALIDATION_FAILED', '左肺没有中叶 / the left lung has no middle lobe', { field: 'lobe' });
  if (seg && seg.lobe !== lobe) throw new AppError('VALIDATION_FAILED', `肺段 ${v.segment}（${seg.zh}）不属于${SIDE_ZH[v.side]}肺${LOBE_ZH[lobe]} / segment ${v.segment} is not in that lobe`, { field: 'segment' });
  const words = [LOBE_ZH[lobe], ...(seg ? [seg.zh] : [])];
  return { text: `${SIDE_ZH[v.side]}肺${LOBE_ZH[lobe]}${seg?.zh ?? ''}`, side: v.side, words };
}

function liverLocation(v: ReportValues): Location | null {
  if (!v.segment) return v.side ? { text: `肝${SIDE_ZH[v.side]}叶`, side: v.side, words: [] } : null;
  const n = Number(/^S(\d+)$/.exec(v.segment)?.[1]);
  if (!(n >= 1 && n <= 8)) throw new AppError('VALIDATION_FAILED', `肝段应为 S1–S8，收到 ${v.segment} / liver segments are S1–S8`, { field: 'segment' });
  const side = n === 1 ? null : n <= 4 ? 'left' : 'right';
  if (v.side && side && v.side !== side) throw new AppError('VALIDATION_FAILED', `肝 ${v.segment} 段属于肝${SIDE_ZH[side]}叶 / liver ${v.segment} is in the ${side} lobe`, { field: 'side' });
  const lobe = side ? `肝${SIDE_ZH[side]}叶` : '肝尾状叶';
  return { text: `${lobe}${v.segment}段`, side, words: n === 1 ? ['尾状叶'] : [] };
}

/** Segment code of a lung segment by its Chinese name on a side (for AI findings that name segments). */
export function lungLobeOf(side: 'left' | 'right', code: string): 'upper' | 'middle' | 'lower' | undefined {
  return LUNG_SEGMENTS[side][code]?.lobe;
}
