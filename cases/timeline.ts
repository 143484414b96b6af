import type { Study } from './case.schemas.ts';

export interface TimelinePoint {
  date: string;
  modality?: string;
  /** The typical case the study belongs to (a patient's timeline spans several cases). */
  caseId?: string;
  longAxisMm: number | null;
  shortAxisMm: number | null;
  volumeMm3: number | null;
}

export interface Interval {
  from: string;
  to: string;
  days: number;
  longAxisChangeMm: number | null;
  longAxisChangePct: number | null;
  /** Volume doubling time in days, or null with `vdtNote` saying why not. */
  vdtDays: number | null;
  vdtMethod: 'volume' | 'diameter' | null;
  vdtNote: string | null;
}

export interface LesionTimeline {
  lesion: string;
  points: TimelinePoint[];
  intervals: Interval[];
  /** First to last measurement (null with fewer than two), so growth over the whole follow-up reads at a glance. */
  overall: Interval | null;
  /** Said plainly when growth cannot be measured (fewer than two measurements). */
  note: string | null;
}

/** A study as the timeline reads it: the case it came from, when the timeline spans several cases of one patient. */
export type TimelineStudy = Study & { caseId?: string };

const DAY = 86_400_000;

/**
 * Measurements over time per lesion, with growth between consecutive studies and the volume doubling time
 * VDT = t·ln2 / ln(V2/V1). Only given numbers are used: volumes when both studies have one, else the long
 * axis under the sphere approximation (V ∝ D³, so VDT = t·ln2 / (3·ln(D2/D1))), said so; otherwise, and
 * when the lesion did not grow, the VDT is not computed and the note says why.
 */
export function buildTimeline(studies: readonly TimelineStudy[]): LesionTimeline[] {
  const byLesion = new Map<string, TimelinePoint[]>();
  const names = new Map<string, string>();
  for (const s of [...studies].sort((a, b) => a.date.localeCompare(b.date))) {
    for (const m of s.measurements) {
      // Lesions are matched across studies (and cases of one patient) by their name, spacing and case ignored.
      const lesion = m.lesion.trim();
      const key = lesion.replace(/\s+/g, '').toLowerCase();
      const list = byLesion.get(key) ?? [];
      const point: TimelinePoint = { date: s.date, modality: s.modality, ...(s.caseId ? { caseId: s.caseId } : {}), longAxisMm: m.longAxisMm ?? null, shortAxisMm: m.shortAxisMm ?? null, volumeMm3: m.volumeMm3 ?? null };
      // The same study recorded in two cases of one patient is one measurement, not a same-day interval.
      if (!list.some((p) => p.date === point.date && p.longAxisMm === point.longAxisMm && p.shortAxisMm === point.shortAxisMm && p.volumeMm3 === point.volumeMm3)) list.push(point);
      if (!byLesion.has(key)) byLesion.set(key, list);
      if (!names.has(key)) names.set(key, lesion);
    }
  }
  return [...byLesion].map(([key, points]) => {
    const measured = points.filter((p) => p.longAxisMm !== null || p.volumeMm3 !== null);
    const intervals = points.slice(1).map((p, i) => interval(points[i], p));
    const overall = measured.length >= 2 ? interval(measured[0], measured[measured.length - 1]) : null;
    const note = measured.length >= 2 ? null : `仅有 ${measured.length} 次测量，无法计算增长与倍增时间（至少需要两次）/ ${measured.length} measurement(s): growth and doubling time need at least two`;
    return { lesion: names.get(key) as string, points, intervals, overall, note };
  });
}

function interval(a: TimelinePoint, b: TimelinePoint): Interval {
  const days = Math.round((Date.parse(b.date) - Date.parse(a.date)) / DAY);
  const dl = a.longAxisMm !== null && b.longAxisMm !== null ? b.longAxisMm - a.longAxisMm : null;
  const base = { from: a.date, to: b.date, days, longAxisChangeMm: dl === null ? null : round(dl, 1), longAxisChangePct: dl === null || !a.longAxisMm ? null : round((dl / a.longAxisMm) * 100, 1) };
  const none = (note: string): Interval => ({ ...base, vdtDays: null, vdtMethod: null, vdtNote: note });
  if (days <= 0) return none('两次检查同日，无法计算倍增时间 / same-day studies: no interval');
  let ratio: number;
  let method: 'volume' | 'diameter';
  if (a.volumeMm3 !== null && b.volumeMm3 !== null) {
    ratio = b.volumeMm3 / a.volumeMm3;
    method = 'volume';
  } else if (a.longAxisMm !== null && b.longAxisMm !== null) {
    ratio = (b.longAxisMm / a.longAxisMm) ** 3;
    method = 'diameter';
  } else return none('缺少两次检查的体积或长径测量，无法计算 / no volume or diameter in both studies');
  if (ratio <= 1) return none('病灶未增大，倍增时间不适用 / no growth: doubling time not defined');
  return { ...base, vdtDays: Math.round((days * Math.LN2) / Math.log(ratio)), vdtMethod: method, vdtNote: method === 'diameter' ? '按长径球体近似估算 / from diameters (sphere approximation)' : null };
}

const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;
