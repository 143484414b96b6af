import { readFileSync } from 'node:fs';
import type { Facts } from './series-facts.ts';
import { type ExamType, type ProtocolRule, type ProtocolRules, ProtocolRulesSchema, type RuleResult } from './qc.schema.ts';

/** The authored rules (imaging/qc/protocol-rules.json), validated when first used: a bad file fails loudly. */
let cached: ProtocolRules | null = null;
export function protocolRules(): ProtocolRules {
  if (!cached) cached = ProtocolRulesSchema.parse(JSON.parse(readFileSync(new URL('./protocol-rules.json', import.meta.url), 'utf8')));
  return cached;
}

const CONTRAST_WORDS = /增强|造影|c\+|\bce\b|contrast|enhanc|portal|arterial|venous|门脉|门静脉|动脉期|静脉期|延迟期/i;

/** Was contrast given: an agent recorded, or the description says so. */
export function hasContrast(f: Facts): boolean {
  if (typeof f.contrastAgent === 'string' && f.contrastAgent.trim() && !/^(none|no|无)$/i.test(f.contrastAgent.trim())) return true;
  return CONTRAST_WORDS.test([f.protocolName, f.seriesDescription, f.studyDescription].filter(Boolean).join(' '));
}

/** The first exam type whose modality, keywords and contrast state fit the series (file order decides). */
export function matchExamType(f: Facts, rules = protocolRules()): ExamType | null {
  const hay = [f.protocolName, f.seriesDescription, f.studyDescription, f.bodyPart].filter(Boolean).join(' ').toLowerCase();
  const contrast = hasContrast(f);
  return rules.examTypes.find((e) => e.match.modality === f.modality && e.match.keywords.some((k) => hay.includes(k.toLowerCase())) && (e.match.contrast === undefined || e.match.contrast === contrast)) ?? null;
}

const fmtRange = (r: { min?: number; max?: number } | undefined, unit: string) => {
  if (!r) return '';
  if (r.min !== undefined && r.max !== undefined) return `${r.min}–${r.max}${unit}`;
  if (r.min !== undefined) return `≥ ${r.min}${unit}`;
  return `≤ ${r.max}${unit}`;
};
const inRange = (v: number, r: { min?: number; max?: number } | undefined) => !!r && (r.min === undefined || v >= r.min) && (r.max === undefined || v <= r.max);

/** One rule against the series' facts: pass / warn / fail (or skipped when optional and not recorded). */
export function evaluateRule(rule: ProtocolRule, f: Facts): RuleResult {
  const unit = rule.unit ? ` ${rule.unit}` : '';
  const raw = f[rule.field];
  const base = { id: rule.id, label: rule.label, unit: rule.unit ?? null };
  if (rule.patterns) {
    const expected = `匹配 / matches ${rule.patterns.join(' | ')}`;
    if (raw === null || raw === undefined || raw === '') {
      return { ...base, status: rule.optional ? 'skipped' : 'warn', value: null, expected, message: `DICOM 头未记录 / not recorded in the header` };
    }
    const ok = rule.patterns.some((p) => new RegExp(p, 'i').test(String(raw)));
    return { ...base, status: ok ? 'pass' : (rule.else ?? 'warn'), value: String(raw), expected, message: ok ? '符合 / as expected' : `“${raw}” 不在常用范围内 / “${raw}” is not among the expected values` };
  }
  const expected = `${fmtRange(rule.pass, unit)}${rule.warn ? `（可接受 / acceptable ${fmtRange(rule.warn, unit)}）` : ''}`;
  const v = typeof raw === 'number' ? raw : raw === null || raw === undefined ? null : Number(raw);
  if (v === null || !Number.isFinite(v)) {
    return { ...base, status: rule.optional ? 'skipped' : 'warn', value: null, expected, message: `DICOM 头未记录 / not recorded in the header` };
  }
  const value = Math.round(v * 1000) / 1000;
  if (inRange(v, rule.pass)) return { ...base, status: 'pass', value, expected, message: '符合 / within protocol' };
  if (inRange(v, rule.warn)) return { ...base, status: 'warn', value, expected, message: `${value}${unit} 偏离协议但可接受 / outside the protocol range but acceptable` };
  return { ...base, status: 'fail', value, expected, message: `${value}${unit} 不符合协议 / outside the acceptable range` };
}
