import { LOCATION_WORDS } from './anatomy.ts';

/**
 * The numeric / laterality / segment guard: a text may only contain the numbers (with their units), sides
 * and lobe/segment words of its reference text (the deterministic draft, itself built from the inputs).
 * A model's rewrite that adds 12mm, flips 右 to 左 or moves a nodule to another segment is rejected by name.
 */

export interface GuardIssue {
  kind: 'number' | 'laterality' | 'segment';
  /** What the text said that the inputs do not hold. */
  found: string;
  message: string;
}

export interface GuardResult {
  ok: boolean;
  issues: GuardIssue[];
}

export interface NumberToken {
  value: number;
  unit: string | null;
  text: string;
  index: number;
}

const UNIT = /^\s*(cm³|cm3|cm\^3|mm³|mm3|mm²|mm|cm|ml|mL|HU|%|个月|月|年|周|天|页|mSv|kV|mAs|个|枚|处)/;
const JOIN = /^\s*[～~\-–—至到×xX*]\s*$/;
const UNIT_ALIASES: Record<string, string> = { cm3: 'cm³', 'cm^3': 'cm³', mm3: 'mm³', ml: 'mL', 月: '个月', 枚: '个', 处: '个' };
const CN_DIGIT: Record<string, number> = { 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9, 十: 10 };

/** Numbers of a text with the unit written after them (a range or product shares its unit: 6～12个月, 8.2×6.1mm). */
export function numbersOf(text: string): NumberToken[] {
  const out: NumberToken[] = [];
  // S7, S1+2, C5 and table names like 表10-2 are locations/citations, read as words, not quantities.
  const masked = text.replace(/[SCTL]\d+(\+\d+)?/g, (m) => ' '.repeat(m.length));
  for (const m of masked.matchAll(/-?\d+(?:\.\d+)?/g)) {
    let raw = m[0];
    let index = m.index ?? 0;
    if (raw.startsWith('-') && index > 0 && /[\d\s表]/.test(masked[index - 1])) {
      raw = raw.slice(1);
      index += 1;
    }
    const unit = UNIT.exec(masked.slice(index + raw.length))?.[1] ?? null;
    out.push({ value: Number(raw), unit: unit ? (UNIT_ALIASES[unit] ?? unit) : null, text: raw, index });
  }
  for (let i = out.length - 2; i >= 0; i--) {
    const a = out[i];
    const b = out[i + 1];
    if (a.unit === null && b.unit !== null && JOIN.test(masked.slice(a.index + a.text.length, b.index))) a.unit = b.unit;
  }
  // Counts: 见一结节, 两个结节, 3枚 (a count is compared with counts only).
  for (const m of text.matchAll(/见([一二两三四五六七八九十])(?!个月)|([一二两三四五六七八九十])(?=个(?!月)|枚|处)/g)) {
    const d = m[1] ?? m[2];
    out.push({ value: CN_DIGIT[d], unit: '个', text: d, index: m.index ?? 0 });
  }
  return out;
}

/** Sides a text names: 左/右 in front of an organ or lobe word (左肺, 肝右叶, 右侧, 右肾…). */
export function sidesOf(text: string): Set<'left' | 'right'> {
  const out = new Set<'left' | 'right'>();
  for (const m of text.matchAll(/([左右])(?=肺|叶|侧|肾|乳|肾上腺|卵巢|侧|主支气管|下肢|上肢|半|心|肝|髂|股|颈)|([左右])(?=\S{0,2}(肺|叶))/g)) out.add((m[1] ?? m[2]) === '左' ? 'left' : 'right');
  if (/双(肺|侧)/.test(text)) {
    out.add('left');
    out.add('right');
  }
  return out;
}

/** Lobe and segment words and segment codes a text names. */
export function locationsOf(text: string): Set<string> {
  const out = new Set<string>();
  let rest = text;
  for (const w of LOCATION_WORDS) {
    if (rest.includes(w)) {
      out.add(w);
      rest = rest.split(w).join('\u0000');
    }
  }
  for (const m of text.matchAll(/S(\d+(?:\+\d+)?)/g)) out.add(`S${m[1]}`);
  return out;
}

const same = (a: number, b: number) => Math.abs(a - b) < 1e-9;

/** Check `text` against `reference`: every number (+unit), side and location of `text` must be in `reference`. */
export function guard(text: string, reference: string): GuardResult {
  const issues: GuardIssue[] = [];
  const ref = numbersOf(reference);
  for (const n of numbersOf(text)) {
    // A count must match a count; another number must match a number with its unit (either side may lack one).
    const hit = ref.some((r) => same(r.value, n.value) && (n.unit === '个' || r.unit === '个' ? n.unit === r.unit : n.unit === null || r.unit === null || r.unit === n.unit));
    if (!hit) {
      const shown = `${n.text}${n.unit ?? ''}`;
      issues.push({ kind: 'number', found: shown, message: `数值「${shown}」不在输入中 / the value ${shown} is not in the inputs` });
    }
  }
  const refSides = sidesOf(reference);
  for (const s of sidesOf(text)) {
    if (!refSides.has(s)) {
      const zh = s === 'left' ? '左' : '右';
      issues.push({ kind: 'laterality', found: zh, message: `侧别「${zh}」与输入不符 / side ${s} is not in the inputs` });
    }
  }
  const refLoc = locationsOf(reference);
  for (const l of locationsOf(text)) if (!refLoc.has(l)) issues.push({ kind: 'segment', found: l, message: `部位「${l}」不在输入中 / location ${l} is not in the inputs` });
  return { ok: issues.length === 0, issues };
}
