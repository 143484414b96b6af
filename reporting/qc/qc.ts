import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { AppError, type Lexicon, type Tokenizer } from '../../core/index.ts';
import { type ReportFinding, ReportStructurer } from '../structure/structure.ts';
import { templates } from '../templates.ts';

/**
 * Report QC without a model: left/right consistency between findings and impression, sizes in the impression
 * that the findings do not give, impossible anatomy (左肺中叶), non-standard terms (authored dictionary +
 * lexicon aliases of signs and findings → preferred term), common typos, and the items a template requires.
 * With the language (lexicon + tokenizer) it also reads both sections with the report structurer and compares
 * counts (见2个结节 vs 3个结节) and sides finding by finding; sizes without a unit or with two units are flagged.
 * Every flag carries the span it is about, so the page can mark it inline.
 */

export const MAX_REPORT_CHARS = 20_000;

export const QcFlagSchema = z.object({
  kind: z.enum(['laterality', 'count', 'size', 'anatomy', 'term', 'typo', 'missing']),
  severity: z.enum(['error', 'warning', 'info']),
  message: z.string(),
  /** Character offsets into the submitted text ([start, end)), or null for something absent. */
  span: z.object({ start: z.number().int(), end: z.number().int() }).nullable(),
  text: z.string().nullable(),
  suggestion: z.string().nullable(),
});
export type QcFlag = z.infer<typeof QcFlagSchema>;

export const QcResultSchema = z.object({
  engine: z.literal('rules'),
  dictionaryVersion: z.string(),
  templateId: z.string().nullable(),
  sections: z.object({ findings: z.object({ start: z.number().int(), end: z.number().int() }).nullable(), impression: z.object({ start: z.number().int(), end: z.number().int() }).nullable() }),
  flags: z.array(QcFlagSchema),
});
export type QcResult = z.infer<typeof QcResultSchema>;

/** An empty report or one over MAX_REPORT_CHARS is refused by name (QC and post-structuring alike). */
export function assertReportText(text: string): void {
  if (!text.trim()) throw new AppError('VALIDATION_FAILED', '报告为空 / the report is empty', { field: 'text' });
  if (text.length > MAX_REPORT_CHARS) throw new AppError('VALIDATION_FAILED', `报告超过 ${MAX_REPORT_CHARS} 字 / the report is longer than ${MAX_REPORT_CHARS} characters`, { field: 'text' });
}

const DictSchema = z.object({ version: z.string(), terms: z.record(z.string(), z.string()), typos: z.record(z.string(), z.string()) });

interface Dictionary {
  version: string;
  /** Longest first, so 毛玻璃结节 wins over 毛玻璃. */
  entries: Array<{ from: string; to: string; kind: 'term' | 'typo' }>;
}

export function loadDictionary(lexicon?: Lexicon, file = path.join(import.meta.dirname, 'terms.yaml')): Dictionary {
  const d = DictSchema.parse(parse(readFileSync(file, 'utf8')));
  const entries = new Map<string, { from: string; to: string; kind: 'term' | 'typo' }>();
  for (const [from, to] of Object.entries(d.typos)) entries.set(from, { from, to, kind: 'typo' });
  for (const [from, to] of Object.entries(d.terms)) entries.set(from, { from, to, kind: 'term' });
  for (const e of lexicon?.entries ?? []) {
    if (e.type !== 'Sign' && e.type !== 'Finding') continue;
    for (const a of e.aliases) {
      // Chinese aliases of three characters or more that are not part of the preferred name (no abbreviations, no truncations).
      if (!/^[\u3400-\u9fff]{3,}$/.test(a) || e.zh.includes(a) || entries.has(a)) continue;
      entries.set(a, { from: a, to: e.zh, kind: 'term' });
    }
  }
  return { version: d.version, entries: [...entries.values()].sort((a, b) => b.from.length - a.from.length) };
}

const FINDINGS_HEAD = /(影像所见|影像表现|检查所见|所见|表现)[:：]?/;
const IMPRESSION_HEAD = /(印象|诊断意见|影像诊断|诊断|结论|意见)[:：]/;
const ORGAN = '肺(?:上|中|下)叶|肺|肾上腺|肾|乳腺|卵巢|肝|侧胸腔|侧胸膜|侧';
const SIDE_ORGAN = new RegExp(`(双|[左右])(${ORGAN})`, 'g');
const SIZE = /(\d+(?:\.\d+)?)\s*(?:(mm|cm|毫米|厘米)?\s*[×xX*]\s*(\d+(?:\.\d+)?)\s*)?(mm|cm|毫米|厘米)(?![²³23])/g;

interface Span {
  start: number;
  end: number;
}

export class ReportQc {
  private readonly dict: Dictionary;
  private readonly structurer: ReportStructurer | null;

  constructor(lexicon?: Lexicon, tokenizer?: Tokenizer) {
    this.dict = loadDictionary(lexicon);
    this.structurer = lexicon && tokenizer ? new ReportStructurer(lexicon, tokenizer) : null;
  }

  check(text: string, templateId?: string): QcResult {
    assertReportText(text);
    const sections = splitSections(text);
    const flags: QcFlag[] = [];
    if (!sections.impression) flags.push({ kind: 'missing', severity: 'warning', message: '缺少“印象/诊断”部分，未能核对所见与印象的一致性 / no impression section: findings and impression not compared', span: null, text: null, suggestion: '印象：' });
    else {
      const findings = sections.findings ?? { start: 0, end: sections.impression.start };
      const sides = lateralityFlags(text, findings, sections.impression);
      flags.push(...sides, ...sizeFlags(text, findings, sections.impression));
      if (this.structurer) {
        const read = this.structurer.structure(text).findings;
        const inside = (s: Span) => read.filter((f) => f.entity.span.start >= s.start && f.entity.span.end <= s.end);
        flags.push(...countFlags(inside(findings), inside(sections.impression)));
        // A side already flagged by organ is not flagged again by finding.
        flags.push(...findingSideFlags(text, inside(findings), inside(sections.impression)).filter((f) => !sides.some((x) => x.span && f.span && x.span.start < f.span.end && f.span.start < x.span.end)));
      }
    }
    flags.push(...unitFlags(text), ...anatomyFlags(text), ...this.termFlags(text));
    const t = templateId ? templates().find((x) => x.id === templateId) : guessTemplate(text);
    if (templateId && !t) throw new AppError('VALIDATION_FAILED', `没有模板 ${templateId} / no template ${templateId}`, { field: 'templateId' });
    if (t) {
      const body = sections.findings ? text.slice(sections.findings.start, sections.findings.end) : text;
      for (const req of t.qcRequired) {
        if (!new RegExp(req.pattern).test(body)) flags.push({ kind: 'missing', severity: 'warning', message: `缺少必填项「${req.item}」（模板 ${t.title}）/ required item missing: ${req.item}`, span: null, text: null, suggestion: null });
      }
    }
    flags.sort((a, b) => (a.span?.start ?? -1) - (b.span?.start ?? -1));
    return { engine: 'rules', dictionaryVersion: this.dict.version, templateId: t?.id ?? null, sections, flags };
  }

  private termFlags(text: string): QcFlag[] {
    const out: QcFlag[] = [];
    const taken = new Uint8Array(text.length);
    for (const e of this.dict.entries) {
      let from = text.indexOf(e.from);
      while (from >= 0) {
        const end = from + e.from.length;
        // Not inside a longer match already flagged, and not the correct word itself (粘液 inside 黏液 cannot happen; 肺纹理 ⊃ 纹理 can).
        if (!taken.subarray(from, end).some(Boolean) && text.slice(from, from + e.to.length) !== e.to) {
          taken.fill(1, from, end);
          out.push({
            kind: e.kind,
            severity: e.kind === 'typo' ? 'error' : 'info',
            message: e.kind === 'typo' ? `疑似错别字「${e.from}」，应为「${e.to}」/ likely typo` : `非标准术语「${e.from}」，规范用语为「${e.to}」/ non-standard term`,
            span: { start: from, end },
            text: e.from,
            suggestion: e.to,
          });
        }
        from = text.indexOf(e.from, end);
      }
    }
    return out;
  }
}

function splitSections(text: string): QcResult['sections'] {
  const imp = IMPRESSION_HEAD.exec(text);
  const fin = FINDINGS_HEAD.exec(text);
  const impression = imp ? { start: imp.index + imp[0].length, end: text.length } : null;
  const findingsStart = fin && (!imp || fin.index < imp.index) ? fin.index + fin[0].length : 0;
  const findings = imp ? (imp.index > findingsStart ? { start: findingsStart, end: imp.index } : null) : { start: findingsStart, end: text.length };
  return { findings, impression };
}

function sideOrgans(text: string, s: Span): Array<{ side: '左' | '右' | '双'; organ: string; span: Span }> {
  const part = text.slice(s.start, s.end);
  return [...part.matchAll(SIDE_ORGAN)].map((m) => ({ side: m[1] as '左' | '右' | '双', organ: m[2], span: { start: s.start + (m.index ?? 0), end: s.start + (m.index ?? 0) + m[0].length } }));
}

/** An organ named on one side in the impression but only on the other side in the findings. */
function lateralityFlags(text: string, findings: Span, impression: Span): QcFlag[] {
  const f = sideOrgans(text, findings);
  const out: QcFlag[] = [];
  for (const i of sideOrgans(text, impression)) {
    if (i.side === '双' || i.organ === '侧') continue;
    const same = f.filter((x) => x.organ === i.organ || x.organ.startsWith(i.organ) || i.organ.startsWith(x.organ));
    if (same.length === 0 || same.some((x) => x.side === i.side || x.side === '双')) continue;
    out.push({
      kind: 'laterality',
      severity: 'error',
      message: `印象写「${i.side}${i.organ}」，所见只写了「${same[0].side}${same[0].organ}」：左右不一致 / left-right mismatch between findings and impression`,
      span: i.span,
      text: text.slice(i.span.start, i.span.end),
      suggestion: `${same[0].side}${i.organ}`,
    });
  }
  return out;
}

const toMm = (v: number, unit: string) => (unit === 'cm' || unit === '厘米' ? v * 10 : v);

function sizesIn(text: string, s: Span): Array<{ mm: number[]; span: Span; raw: string }> {
  const part = text.slice(s.start, s.end);
  return [...part.matchAll(SIZE)].map((m) => ({
    // Each dimension in its own unit when it has one (5mm×0.4cm), else the unit after the last.
    mm: [toMm(Number(m[1]), m[2] ?? m[4]), ...(m[3] ? [toMm(Number(m[3]), m[4])] : [])],
    span: { start: s.start + (m.index ?? 0), end: s.start + (m.index ?? 0) + m[0].length },
    raw: m[0],
  }));
}

/** A size in the impression that no size of the findings matches (80mm vs 8mm, 1.2cm vs 21mm). */
function sizeFlags(text: string, findings: Span, impression: Span): QcFlag[] {
  const f = sizesIn(text, findings);
  const known = f.flatMap((x) => x.mm);
  // Means of long × short pairs are legitimate impression numbers too.
  for (const x of f) if (x.mm.length === 2) known.push((x.mm[0] + x.mm[1]) / 2);
  const out: QcFlag[] = [];
  for (const i of sizesIn(text, impression)) {
    for (const v of i.mm) {
      if (known.some((k) => Math.abs(k - v) <= Math.max(0.51, k * 0.05))) continue;
      const closest = known.length ? known.reduce((a, b) => (Math.abs(b - v) < Math.abs(a - v) ? b : a)) : null;
      out.push({
        kind: 'size',
        severity: 'error',
        message: closest === null ? `印象中的大小「${i.raw}」在所见中没有 / the impression gives a size the findings do not` : `印象中的大小「${i.raw}」与所见不符（所见最接近 ${closest}mm）/ size mismatch between findings and impression`,
        span: i.span,
        text: i.raw,
        suggestion: closest === null ? null : `${closest}mm`,
      });
      break;
    }
  }
  for (const x of f) {
    const nodule = /结节/.test(text.slice(x.span.end, x.span.end + 6)) || /结节[^。；]{0,12}$/.test(text.slice(Math.max(0, x.span.start - 14), x.span.start));
    if (nodule && /肺/.test(text.slice(Math.max(0, x.span.start - 30), x.span.start)) && Math.max(...x.mm) > 30) {
      out.push({ kind: 'size', severity: 'warning', message: `肺结节大小「${x.raw}」超过 30mm：应称“肿块”或核对单位 / a lung nodule over 30 mm is a mass — check the unit`, span: x.span, text: x.raw, suggestion: null });
    }
  }
  return out;
}

/** The same finding in both sections: same graph entity, or one name ending with the other (磨玻璃结节 / 结节). */
function sameFinding(a: ReportFinding, b: ReportFinding): boolean {
  if (a.entity.id && a.entity.id === b.entity.id) return true;
  return a.entity.name.endsWith(b.entity.name) || b.entity.name.endsWith(a.entity.name);
}

const SIDE_ZH = { left: '左', right: '右', bilateral: '双' } as const;

/** A number the impression gives for a finding that the findings count differently (见2个结节 / 印象：3个结节). */
function countFlags(findings: readonly ReportFinding[], impression: readonly ReportFinding[]): QcFlag[] {
  const out: QcFlag[] = [];
  for (const i of impression) {
    if (!i.count || typeof i.count.value !== 'number' || i.certainty === 'absent') continue;
    const counted = findings.filter((f) => f.certainty !== 'absent' && f.count && sameFinding(f, i) && (!i.laterality || !f.laterality || f.laterality === i.laterality));
    if (!counted.length || counted.some((f) => f.count?.value === i.count?.value || f.count?.value === 'multiple')) continue;
    const f = counted[0];
    out.push({
      kind: 'count',
      severity: 'error',
      message: `印象写「${i.count.text}${i.entity.text}」，所见为「${f.count?.text}${f.entity.text}」：数目不一致 / count mismatch between findings and impression`,
      span: i.count.span,
      text: i.count.text,
      suggestion: f.count?.text ?? null,
    });
  }
  return out;
}

/** A finding whose side in the impression is not a side the findings give it (右侧胸腔积液 / 印象：左侧胸腔积液). */
function findingSideFlags(text: string, findings: readonly ReportFinding[], impression: readonly ReportFinding[]): QcFlag[] {
  const out: QcFlag[] = [];
  for (const i of impression) {
    if (!i.laterality || i.laterality === 'bilateral' || i.certainty === 'absent') continue;
    const sided = findings.filter((f) => f.certainty !== 'absent' && f.laterality && sameFinding(f, i));
    if (!sided.length || sided.some((f) => f.laterality === i.laterality || f.laterality === 'bilateral')) continue;
    const span = i.location && /^[左右]/.test(i.location.text) ? i.location.span : i.entity.span;
    out.push({
      kind: 'laterality',
      severity: 'error',
      message: `印象中「${i.entity.text}」在${SIDE_ZH[i.laterality]}侧，所见为${SIDE_ZH[sided[0].laterality ?? 'bilateral']}侧：左右不一致 / left-right mismatch between findings and impression`,
      span,
      text: text.slice(span.start, span.end),
      suggestion: span === i.entity.span ? null : text.slice(span.start, span.end).replace(/^[左右]/, SIDE_ZH[sided[0].laterality ?? 'bilateral']),
    });
  }
  return out;
}

const NO_UNIT = /(?<![\d.])(\d+(?:\.\d+)?)\s*[×xX*]\s*(\d+(?:\.\d+)?)(?![\d.]|\s*(?:mm|cm|毫米|厘米|[×xX*]))/g;
const TWO_UNITS = /\d+(?:\.\d+)?\s*(mm|cm|毫米|厘米)\s*[×xX*]\s*\d+(?:\.\d+)?\s*(mm|cm|毫米|厘米)/g;

/** A size without a unit (大小约8×6), or one size written in two units (8mm×0.6cm). */
function unitFlags(text: string): QcFlag[] {
  const out: QcFlag[] = [];
  for (const m of text.matchAll(NO_UNIT)) {
    const start = m.index ?? 0;
    out.push({ kind: 'size', severity: 'warning', message: `大小「${m[0]}」缺少单位 / size without a unit`, span: { start, end: start + m[0].length }, text: m[0], suggestion: `${m[0]}mm` });
  }
  for (const m of text.matchAll(TWO_UNITS)) {
    const a = m[1] === '毫米' ? 'mm' : m[1] === '厘米' ? 'cm' : m[1];
    const b = m[2] === '毫米' ? 'mm' : m[2] === '厘米' ? 'cm' : m[2];
    if (a === b) continue;
    const start = m.index ?? 0;
    out.push({ kind: 'size', severity: 'warning', message: `大小「${m[0]}」混用两种单位 / one size written in two units`, span: { start, end: start + m[0].length }, text: m[0], suggestion: null });
  }
  return out;
}

function anatomyFlags(text: string): QcFlag[] {
  return [...text.matchAll(/左肺中叶/g)].map((m) => ({
    kind: 'anatomy' as const,
    severity: 'error' as const,
    message: '左肺没有中叶（左肺为上叶舌段？）/ the left lung has no middle lobe',
    span: { start: m.index ?? 0, end: (m.index ?? 0) + m[0].length },
    text: m[0],
    suggestion: '左肺上叶舌段',
  }));
}

function guessTemplate(text: string) {
  if (/肺/.test(text) && /结节/.test(text)) return templates().find((t) => t.id === 'lung_nodule');
  if (/肝/.test(text) && /灶|病变|占位/.test(text)) return templates().find((t) => t.id === 'liver_lesion');
  return undefined;
}
