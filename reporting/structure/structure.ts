import { z } from 'zod';
import type { EntityType, Lexicon, LexiconEntry, Tokenizer } from '../../core/index.ts';
import { type EntityMention, type StatedMention, StatedMentionReader, splitSentences } from '../../knowledge/index.ts';

/**
 * Post-structuring of a free-text report (issue 17 §5): every finding the text states, with its entity (a graph
 * entity when the lexicon knows the name, else the words as written, `id: null`), location and segment, side,
 * sizes with the unit exactly as written, count (见2个 / 多发) and certainty. Certainty comes from the rules
 * extractor's own negation and hedge cues (knowledge/ StatedMentionReader), so a prefix negation covers a whole
 * list in its clause (未见胸腔积液及淋巴结肿大 negates both) and stops at a breaker (…，可见毛刺征).
 * Deterministic, no model; every value is text of the report at the span given — nothing is computed or invented.
 */

export const STRUCTURE_VERSION = 'structure-rules-1';

const SpanSchema = z.object({ start: z.number().int(), end: z.number().int() });
export const ReportFindingSchema = z.object({
  entity: z.object({ id: z.string().nullable(), name: z.string(), text: z.string(), span: SpanSchema }),
  certainty: z.enum(['present', 'absent', 'possible']),
  location: z.object({ text: z.string(), entityId: z.string().nullable(), span: SpanSchema }).nullable(),
  segment: z.string().nullable(),
  laterality: z.enum(['left', 'right', 'bilateral']).nullable(),
  sizes: z.array(z.object({ text: z.string(), values: z.array(z.number()), unit: z.string(), span: SpanSchema })),
  count: z.object({ value: z.union([z.number().int(), z.literal('multiple')]), text: z.string(), span: SpanSchema }).nullable(),
  sentence: SpanSchema,
});
export type ReportFinding = z.infer<typeof ReportFindingSchema>;
export const StructuredReportSchema = z.object({ engine: z.literal('rules'), version: z.string(), findings: z.array(ReportFindingSchema) });
export type StructuredReport = z.infer<typeof StructuredReportSchema>;

interface Span {
  start: number;
  end: number;
}

const FINDING_TYPES = new Set<EntityType>(['Sign', 'Finding', 'Disease']);

/**
 * Finding words a report uses that the lexicon may not name (囊肿, 低密度影, 骨折…): found after the lexicon, never
 * overlapping a lexicon name, and returned unresolved. Longest alternatives first.
 */
const UNRESOLVED = new RegExp(
  `(?:(?:稍|略)?(?:低|高|等|混杂|混合)(?:密度|信号|回声)|长T[12]|短T[12])?(?:${[
    '钙化灶', '出血灶', '梗死灶', '腔隙灶', '软化灶', '占位效应', '斑片影', '片状影', '条索影', '索条影', '结节影', '软组织影', '异常信号', '异常强化',
    '囊肿', '肿块', '团块', '占位', '病灶', '结节', '积液', '积气', '增厚', '扩张', '狭窄', '骨折', '水肿', '出血', '空洞', '实变', '肿大', '肿物', '息肉',
    '结石', '憩室', '包块', '血管瘤', '转移瘤', '肿瘤', '炎症', '病变', '强化', '影', '灶',
  ].join('|')})`,
  'g',
);
const UNRESOLVED_EN = /\b(?:(?:ground-glass|solid|part-solid|subsolid|hypodense|hyperdense|hypoechoic|cystic|focal|enlarged)\s+)?(?:nodules?|lesions?|cysts?|masses|mass|calcifications?|fractures?|stones?|lymph nodes)\b/gi;
/** A bare 影 / 灶 is a finding only with a density or signal word before it (低密度影), never alone (阴影 aside). */
const BARE = /^(?:影|灶)$/;

/** Chinese organ-and-part phrases the lexicon may not hold as one name (左肾上极, 肝右叶S6, 右侧胸腔). */
const LOCATION = new RegExp(
  '(?:左|右|双|两)?侧?(?:第\\d+[前后]?肋|肺|肝脏|肝|肾上腺|肾脏|肾盂|肾|输尿管|胰管|胆管|脾脏|乳腺|甲状腺|卵巢|附件|胸腔|胸膜|脾|胰腺|胰|胆囊|纵隔|肺门|腋窝|锁骨上|颈部|盆腔|膀胱|前列腺|子宫|额叶|顶叶|颞叶|枕叶|基底节|小脑)'
    + '(?:[上中下]叶|[左右]叶|尾状叶|[上中下]极|[上中下]段(?!\\d)|[头体尾]部?|门|内|实质)?'
    + '(?:(?:尖后|前内基底|内基底|前基底|外基底|后基底|上舌|下舌|外侧|内侧|尖|后|前|内|外|背|舌)段|S\\d+(?:\\+\\d+)?段?)?',
  'g',
);
const SEGMENT = /S\d+(?:\+\d+)?|(?:尖后|前内基底|内基底|前基底|外基底|后基底|上舌|下舌|外侧|内侧|尖|后|前|内|外|背|舌)段|\b(?:apical|posterior|anterior|superior|lateral|medial)(?:\s+basal)? segment\b/i;
/** A size: one to three dimensions with one unit (8mm, 8.2mm×6.1mm, 1.2 x 0.8 cm, 12毫米); cm² / cm³ are not sizes. */
const SIZE = /(\d+(?:\.\d+)?)(?:\s*(?:mm|cm|毫米|厘米)?\s*[×xX*]\s*\d+(?:\.\d+)?){0,2}\s*(mm|cm|毫米|厘米)(?![²³23A-Za-z])/g;
const NUM_WORD: Record<string, number> = { a: 1, an: 1, single: 1, 一: 1, 单: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9, 十: 10, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6 };
/** A count before the finding, at the end of the words between the clause (or previous finding) and it. */
const COUNT_BEFORE = /((\d+|[一二两三四五六七八九十]+)\s*(?:个|枚|处|颗|发)|多发|多个|多枚|多处|数个|数枚|若干|单发|(?<=见)一|\b(?:a|an|one|single|two|three|four|five|six|multiple|several|numerous)\b(?=\s)|\b\d+\s+(?!mm|cm)(?=[a-z]))[^，,。；;]{0,14}$/i;
const COUNT_AFTER = /^\s*((\d+|[一二两三四五六七八九十]+)\s*(?:个|枚|处|颗)|多发)/;
const SIDE_ZH = /双侧|两侧|[双两](?=肺|肾|乳|侧|下肢|上肢|眼|基底节|附件|卵巢|颈|腋)|左侧|右侧|(?<![左肝])右|(?<!肝)左(?!右)/g;
const SIDE_EN = /\b(left|right|bilateral|both)\b/gi;

function sideOf(word: string): ReportFinding['laterality'] {
  if (/^(双|两|bilateral|both)/i.test(word)) return 'bilateral';
  if (/^(左|left)/i.test(word)) return 'left';
  if (/^(右|right)/i.test(word)) return 'right';
  return null;
}

function countValue(word: string): number | 'multiple' {
  if (/^\d+$/.test(word)) return Number(word);
  if (/^(多|数|若干|散在|multiple|several|numerous)/i.test(word)) return 'multiple';
  if (word === '单发') return 1;
  if (word in NUM_WORD) return NUM_WORD[word];
  if (word.length === 2 && word[0] === '十') return 10 + (NUM_WORD[word[1]] ?? 0);
  return NUM_WORD[word.toLowerCase()] ?? 'multiple';
}

/** Free-text report → findings, with spans into the text. */
export class ReportStructurer {
  private readonly reader: StatedMentionReader;
  private readonly unresolved = new Set<LexiconEntry>();

  constructor(lexicon: Lexicon, tokenizer: Tokenizer) {
    this.reader = new StatedMentionReader(lexicon, tokenizer);
  }

  structure(text: string): StructuredReport {
    const all = this.reader.read(text, undefined, (t, known) => this.unresolvedMentions(t, known));
    const findings: ReportFinding[] = [];
    const sentences = splitSentences(text);
    const places = locations(text, all);
    const sizes = [...text.matchAll(SIZE)].map((m) => ({
      text: m[0], values: (m[0].match(/\d+(?:\.\d+)?/g) ?? []).map(Number), unit: m[2], span: { start: m.index ?? 0, end: (m.index ?? 0) + m[0].length },
    }));
    const found = all.filter((m) => FINDING_TYPES.has(m.entry.type));
    for (const [i, m] of found.entries()) {
      const sentence = sentences.find((s) => m.start >= s.start && m.start < s.end) ?? { start: m.clause.start, end: m.clause.end };
      const prev = found[i - 1];
      const next = found[i + 1];
      const clauseFrom = Math.max(m.clause.start, prev && prev.end <= m.start ? prev.end : 0);
      const before = text.slice(clauseFrom, m.start);
      const absent = m.certainty === 'absent';
      const location = absent ? placeIn(places, m.clause, m) : placeFor(places, m, sentence);
      const mySizes = absent ? [] : sizes.filter((s) => (s.span.start >= m.end && s.span.start < Math.min(next?.start ?? sentence.end, sentence.end)) || (s.span.start >= clauseFrom && s.span.end <= m.start));
      const finding: ReportFinding = {
        entity: { id: this.unresolved.has(m.entry) ? null : m.entry.id, name: this.unresolved.has(m.entry) ? m.text : m.entry.zh, text: m.text, span: { start: m.start, end: m.end } },
        certainty: m.certainty,
        location,
        segment: (location && SEGMENT.exec(location.text)?.[0]) ?? null,
        laterality: sideIn(location?.text ?? '') ?? lastSide(before),
        sizes: mySizes,
        count: absent ? null : countOf(text, before, clauseFrom, m),
        sentence: { start: sentence.start, end: sentence.end },
      };
      // The same finding named again in its sentence (…见一结节，结节边界清楚) adds to the first statement.
      const same = findings.find((f) => f.sentence.start === finding.sentence.start && f.certainty === finding.certainty && (f.entity.id ?? f.entity.name) === (finding.entity.id ?? finding.entity.name));
      if (same) {
        same.sizes.push(...finding.sizes.filter((s) => !same.sizes.some((x) => x.span.start === s.span.start)));
        same.location ??= finding.location;
        same.segment ??= finding.segment;
        same.laterality ??= finding.laterality;
        same.count ??= finding.count;
      } else findings.push(finding);
    }
    return { engine: 'rules', version: STRUCTURE_VERSION, findings };
  }

  private unresolvedMentions(text: string, known: readonly EntityMention[]): EntityMention[] {
    const out: EntityMention[] = [];
    for (const m of [...text.matchAll(UNRESOLVED), ...text.matchAll(UNRESOLVED_EN)]) {
      const start = m.index ?? 0;
      if (BARE.test(m[0]) || known.some((k) => k.start < start + m[0].length && start < k.end)) continue;
      const entry: LexiconEntry = { id: `unresolved.${m[0]}`, type: 'Finding', zh: m[0], en: m[0], aliases: [] };
      this.unresolved.add(entry);
      out.push({ start, end: start + m[0].length, text: m[0], entry });
    }
    return out;
  }
}

type Place = NonNullable<ReportFinding['location']>;

/** Anatomy named in the text: lexicon names and organ phrases, the longer winning where they overlap. */
function locations(text: string, all: readonly StatedMention[]): Place[] {
  const lex: Place[] = all.filter((m) => m.entry.type === 'Anatomy').map((m) => ({ text: m.text, entityId: m.entry.id, span: { start: m.start, end: m.end } }));
  const named = all.filter((m) => m.entry.type !== 'Anatomy');
  const phrases: Place[] = [...text.matchAll(LOCATION)].filter((m) => m[0].length >= 2 || /[肺肝肾脾胰]/.test(m[0])).map((m) => {
    const span = { start: m.index ?? 0, end: (m.index ?? 0) + m[0].length };
    const inner = lex.filter((l) => l.span.start >= span.start && l.span.end <= span.end).sort((a, b) => b.text.length - a.text.length)[0];
    return { text: m[0], entityId: inner?.entityId ?? null, span };
  });
  // An organ word inside a finding's name (胸腔 of 胸腔积液) is no place of its own, except for that finding (甲状腺结节).
  const free = phrases.filter((p) => !named.some((n) => n.start < p.span.end && p.span.start < n.end));
  const merged = [...lex, ...free].sort((a, b) => a.span.start - b.span.start || b.span.end - a.span.end);
  const out: Place[] = [];
  for (const p of merged) {
    const last = out.at(-1);
    if (last && p.span.start < last.span.end) {
      if (p.span.end - p.span.start > last.span.end - last.span.start) out[out.length - 1] = p;
      continue;
    }
    out.push(p);
  }
  return out;
}

/** The place named in the finding's clause: the last before it, else the first after it (…nodule in the right upper lobe). */
function placeIn(places: readonly Place[], clause: Span, m: Span): Place | null {
  const inClause = places.filter((p) => p.span.start >= clause.start && p.span.end <= clause.end);
  return inClause.filter((p) => p.span.end <= m.start).at(-1) ?? inClause.find((p) => p.span.start >= m.end) ?? null;
}

/** A stated finding's place: in its clause, else the last named earlier in its sentence (肝右叶见…，较大者…，不除外血管瘤). */
function placeFor(places: readonly Place[], m: StatedMention, sentence: Span): Place | null {
  const inClause = placeIn(places, m.clause, m);
  // A finding whose name holds its organ (甲状腺结节, 胸腔积液) is not placed by an earlier clause's organ.
  if (inClause || [...m.text.matchAll(LOCATION)].some((x) => x[0].length >= 2)) return inClause;
  return places.filter((p) => p.span.start >= sentence.start && p.span.end <= m.start).at(-1) ?? null;
}

function sideIn(text: string): ReportFinding['laterality'] {
  const m = /^(?:双|两|左|右)/.exec(text) ?? /\b(left|right|bilateral)\b/i.exec(text);
  return m ? sideOf(m[0]) : null;
}

function lastSide(before: string): ReportFinding['laterality'] {
  const zh = [...before.matchAll(SIDE_ZH)].at(-1);
  const en = [...before.matchAll(SIDE_EN)].at(-1);
  const m = (zh?.index ?? -1) >= (en?.index ?? -1) ? zh : en;
  return m ? sideOf(m[0]) : null;
}

function countOf(text: string, before: string, from: number, m: StatedMention): ReportFinding['count'] {
  const b = COUNT_BEFORE.exec(before);
  if (b) {
    const start = from + (b.index ?? 0);
    return { value: countValue(b[2] ?? b[1].trim()), text: b[1].trim(), span: { start, end: start + b[1].trim().length } };
  }
  const a = COUNT_AFTER.exec(text.slice(m.end, m.end + 8));
  if (a) {
    const start = m.end + a[0].search(/\S/);
    return { value: countValue(a[2] ?? a[1]), text: a[1], span: { start, end: start + a[1].length } };
  }
  return null;
}
