import type { Certainty, Predicate } from '../../model.ts';
import { clauseIndex, type SentenceView } from './sentence-view.ts';

/**
 * Negation and hedge cues. A cue's scope is the clause it is in, in one direction: a prefix cue
 * (未见胸腔积液) covers what follows it up to the clause end or a scope breaker (但、而、的…), a
 * suffix cue (EGFR阴性, 是…的禁忌) what precedes it, `both` the whole clause. So in
 * "未见胸腔积液，可见毛刺征" only 胸腔积液 is absent. `none` cues are look-alikes that must not
 * fire (无论、有无、应考虑…); classes are tried in order at each position, so a look-alike listed
 * before the cue it resembles wins.
 */
type Direction = 'forward' | 'backward' | 'both';
type CueKind = Exclude<Certainty, 'present'> | 'none';

interface CueClass {
  kind: CueKind;
  dir: Direction;
  /** Advice against an exam or treatment (不推荐): the only negation that applies to examined_by. */
  advice?: boolean;
  /** Regular-expression alternatives, longest first where one is a prefix of another. */
  zh: string[];
  en: string[];
}

const CUE_CLASSES: CueClass[] = [
  {
    kind: 'possible',
    dir: 'both',
    zh: ['不能完全排除', '不能排除', '不能除外', '不除外', '难以排除', '无法排除', '无法除外', '待排除', '待排', '可能'],
    en: ['cannot be excluded', 'cannot be ruled out', 'not excluded', 'possible', 'possibly', 'probable', 'probably', 'likely'],
  },
  {
    kind: 'none',
    dir: 'both',
    // A rule of thumb ("…应考虑肺结核", "可考虑手术") states the relation; only its hedged form is `possible`.
    zh: [
      '(?:应|需|要|须|可|首先|应首先|应高度|需高度|高度)(?:考虑|怀疑)', '(?:怀疑|疑似|疑诊)[^，。；]{0,20}?(?:时|者)', '疑似或确诊', '并非[^，。；]{0,16}?所?(?:特有|独有)', '无论', '无法',
      '(?:治疗)?无效(?=者|时|后|的)', '有无',
      // Patients described by what they lack ("无症状者可随访观察", "无高危征象者"): a condition, not a negation.
      '(?:无|未见|不伴)[^，。；者]{0,12}者', '无创', '无关', '无菌', '无痛', '无数', '无限', '无禁忌', '未经', '非特异',
    ],
    en: ['no longer', 'not only', 'whether or not'],
  },
  {
    kind: 'possible',
    dir: 'forward',
    zh: ['以排除', '需排除', '应排除', '注意排除', '可疑', '疑似', '疑为', '怀疑', '考虑为', '考虑', '倾向于', '倾向为', '倾向'],
    en: ['suspected', 'suspicious for', 'suspicious of', 'questionable', 'equivocal', 'to rule out', 'rule out'],
  },
  {
    // Evidence or advice against a test or treatment, wherever it stands in the clause ("CT对早期病灶不敏感",
    // "头颅CT一般无需常规进行", "MRI在急诊中作用最小").
    kind: 'absent',
    dir: 'both',
    advice: true,
    zh: ['无需', '无须', '不敏感', '作用最小', '作用不大', '无诊断价值', '(?:常|多)?无明显异常', '(?:常|多)?不能(?:直接|清楚|完全|准确|可靠)?(?:显示|发现|诊断|检出)', '不能作为', '常无异常发现', '无异常发现'],
    en: ['not needed', 'unnecessary', 'insensitive', 'of no value', 'plays (?:a|the) minimal role'],
  },
  {
    // Limited value: the test or treatment is not ruled out, but neither is it endorsed.
    kind: 'possible',
    dir: 'both',
    advice: true,
    zh: [
      '诊断价值有限', '价值有限', '效果有限', '疗效有限', '效果欠佳', '疗效欠佳', '价值不大', '意义不大', '作用有限', '敏感性较低', '敏感性低', '敏感性不高', '特异性不高', '特异性较低', '疗效不确切',
      '不确切', '仅有辅助诊断价值', '仅有辅助', '(?:检出率|阳性率)(?:较|很)?低', '不如', '仅用于', '易漏诊', '(?:常|多|可|可能|一般)?无特异性(?:异常|改变)?', '(?:已)?较少需要',
    ],
    en: ['of limited value', 'limited role', 'low sensitivity', 'low specificity', 'not specific', '(?:has|have) (?:only )?(?:limited|little) value'],
  },
  {
    // Advice that closes its clause ("利尿剂应避免使用", "…已不再推荐"): it judges what the clause named before it.
    kind: 'absent',
    dir: 'both',
    advice: true,
    zh: ['(?:应|需|宜)?避免使用(?=[，。；,;]|$)', '(?:已)?不再推荐(?=[，。；,;]|$)', '不主张(?:使用)?(?=[，。；,;]|$)'],
    en: ['(?!)'],
  },
  {
    kind: 'absent',
    dir: 'forward',
    advice: true,
    zh: ['而非', '而不是', '禁用', '禁止', '避免', '不推荐', '不建议', '不适合', '不适用', '不宜', '不作为', '不需要', '不需', '不必'],
    en: ['not recommended', 'not indicated', 'not suitable', 'cannot detect', 'cannot show', 'rather than', 'instead of', 'avoid'],
  },
  { kind: 'absent', dir: 'backward', advice: true, zh: ['的?(?:绝对|相对)?禁忌证?', '无效'], en: ['is contraindicated', 'is ineffective'] },
  // "Routine CT is not recommended": in English the advice follows what it judges (the Chinese form, 不推荐CT, is forward above).
  { kind: 'absent', dir: 'backward', advice: true, zh: ['(?!)'], en: ['(?:is|are) not (?:routinely )?(?:recommended|indicated|needed|required|useful)', '(?:is|are) unnecessary', 'has no role'] },
  { kind: 'absent', dir: 'backward', zh: ['阴性', '缺如'], en: ['negative', 'is absent', 'are absent'] },
  {
    kind: 'absent',
    dir: 'forward',
    zh: [
      '未见明显的', '未见明确的', '未见明显', '未见明确', '未见', '未发现', '未出现', '未显示', '未累及', '未侵犯', '未侵及', '未伴有', '未伴',
      '未合并', '未检出', '无明显的', '无明显', '无明确', '没有', '不伴有', '不伴', '不合并', '不累及', '不侵犯', '不出现', '不表现为', '不提示',
      '不支持', '不符合', '不引起', '不会', '不是', '不属于', '并非', '并不', '排除', '缺乏', '无',
    ],
    en: ['no evidence of', 'absence of', 'absent', 'without', 'free of', 'not', 'no'],
  },
];

/**
 * Words that end a prefix cue's scope before the clause ends: contrast (但、而), a new statement
 * (可见、提示), and 的, which closes a negated modifier ("无钙化的结节": the nodule is there).
 */
const BREAKERS = { zh: /但|而|然而|却|可见|提示|仍|的/g, en: /\b(?:but|however|whereas|although)\b/gi };

export interface Cue {
  start: number;
  end: number;
  kind: Exclude<Certainty, 'present'>;
  dir: Direction;
  advice: boolean;
  clause: number;
  /**
   * The cue's clause names nothing ("…仅能发现少数含钙结石，诊断价值有限"): a cue that judges a test or
   * treatment then covers the clause before it, which names what is judged.
   */
  elliptical: boolean;
}

function compile(lang: 'zh' | 'en'): RegExp {
  const groups = CUE_CLASSES.map((c) => `(${c[lang].join('|')})`);
  return lang === 'en' ? new RegExp(`\\b(?:${groups.join('|')})\\b`, 'gi') : new RegExp(groups.join('|'), 'g');
}

const CUE_RE = { zh: compile('zh'), en: compile('en') };

/** The negation and hedge cues of a sentence (found in the masked text, so never inside an entity name). */
export function findCues(view: SentenceView): Cue[] {
  const out: Cue[] = [];
  for (const m of view.masked.matchAll(CUE_RE[view.lang])) {
    const cls = CUE_CLASSES[m.slice(1).findIndex((g) => g !== undefined)];
    if (!cls || cls.kind === 'none') continue;
    const start = m.index ?? 0;
    const clause = clauseIndex(view.clauses, start);
    const elliptical = cls.dir === 'both' && (cls.advice ?? false) && clause > 0 && !view.mentions.some((x) => x.clause === clause && !x.implicit);
    out.push({ start, end: start + m[0].length, kind: cls.kind, dir: cls.dir, advice: cls.advice ?? false, clause, elliptical });
  }
  return out;
}

/** Offsets where a prefix cue's scope is cut short. */
export function findBreakers(view: SentenceView): number[] {
  return [...view.masked.matchAll(BREAKERS[view.lang])].map((m) => m.index ?? 0);
}

/** Whether sentence span [start, end) lies in the scope of `cue`. */
function inScope(view: SentenceView, cue: Cue, breakers: readonly number[], start: number, end: number): boolean {
  const clause = view.clauses[cue.clause];
  if (cue.elliptical) {
    const before = view.clauses[cue.clause - 1];
    if (!before.strongEnd && start >= before.start && end <= before.end) return true;
  }
  if (start < clause.start || end > clause.end) return false;
  if (cue.dir === 'both') return start >= cue.end || end <= cue.start;
  if (cue.dir === 'forward') return start >= cue.end && !breakers.some((b) => b >= cue.end && b < start);
  return end <= cue.start && !breakers.some((b) => b >= end && b < cue.start);
}

/**
 * Certainty of a relation from the cues whose scope covers one of `spans` (its two mentions): absent
 * on a negation, else possible on a hedge, else present. Two predicates are narrower: an exam is
 * `absent` only when advised against (a negated finding, "平扫CT未见出血", still names what CT is
 * for) and never hedged by the suspicion that sends a patient to it; a differential diagnosis is not
 * hedged by the suspicion of one of its diseases.
 */
export function certaintyOf(
  view: SentenceView,
  cues: readonly Cue[],
  breakers: readonly number[],
  spans: ReadonlyArray<{ start: number; end: number }>,
  predicate: Predicate,
): Certainty {
  let possible = false;
  for (const cue of cues) {
    if (predicate === 'examined_by' && !cue.advice) continue;
    if (predicate === 'differential_of' && cue.kind === 'possible') continue;
    if (!spans.some((s) => inScope(view, cue, breakers, s.start, s.end))) continue;
    if (cue.kind === 'absent') return 'absent';
    possible = true;
  }
  return possible ? 'possible' : 'present';
}
