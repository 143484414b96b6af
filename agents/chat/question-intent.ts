/**
 * What a question asks for, from its wording (Chinese or English), so the extractive engine can pick
 * the sentences and table rows that hold it: the numbers for a threshold question, the list for a signs
 * question, the criteria for a staging question. `list` asks for several things of any kind (「哪些原因」).
 * The attributes a textbook organises a disease by (临床表现, 病因, 诊断, 随访, 并发症, 预后) are intents of their own,
 * so 「<疾病>的<属性>」 picks the sentences that state that attribute.
 */
export const INTENTS = [
  'threshold', 'staging', 'signs', 'clinical', 'differential', 'treatment', 'exam', 'diagnosis', 'followup', 'cause', 'complication', 'prognosis',
  'definition', 'list', 'general',
] as const;
export type Intent = (typeof INTENTS)[number];

export interface QuestionIntent {
  /** The main intent, then any others the question also states (「首选什么治疗？多大适合引流？」: treatment, threshold). */
  intent: Intent;
  intents: Intent[];
  /** For 「X的Y」 without a question word: X (the subject) and Y (the attribute asked for). */
  attribute?: { subject: string; attribute: string };
}

const TREATMENT = /治疗|处置|手术|疗程|复位|分娩|\btreat|therapy|surgery|drainage/i;
/** Cue patterns in priority order; a question may match several. */
const CUES: Array<[Intent, RegExp]> = [
  ['differential', /鉴别|区别|如何区分|怎么区分|区分[^别]|不同之处|有何不同|差异|\bvs\.?\b|versus|differentia|distinguish|tell apart/i],
  ['exam', /首选(?!.{0,4}治疗)|最敏感|最准确|first[- ](?:line|choice)|most sensitive/i],
  ['staging', /分期|分型|分级|分类|[TNM]\d[a-c]?期|\bT[0-4][a-c]?|\bN[0-3]\b|\bM1[a-c]?\b|[ⅠⅡⅢⅣ][ABC]?\d?期|Lung-RADS|几期|第几期|哪一期|归为|\bstag(?:e|ing)\b|classif|\bgrade/i],
  ['threshold', /多大|多小|多少|多长|多久|多厚|多宽|几个月|几年|几天|几周|几小时|阈值|界值|临界|标准|什么时候|何时|间隔|时间窗|剂量|评分|计分|怎么算|如何计算|(?:怎么|如何|怎样)随访|需要随访|随访多|how (?:large|big|small|long|much|many|soon|often)|\bwhen\b|\b(?:suvmax|diameter|size|threshold|cut-?off|dose|interval|percentage|increase)\b/i],
  ['treatment', TREATMENT],
  ['treatment', /处理|怎么办|管理|引流|\bmanage/i],
  ['exam', /检查方法|什么检查|哪种检查|哪项检查|影像检查|影像方案|做什么检查|选什么|选择什么|哪个序列|which (?:imaging|test|exam|sequence|modality)|imaging test/i],
  ['clinical', /临床表现|临床特[点征]|症状|体征|主诉|\bsymptoms?\b|clinical (?:presentation|features?|manifestations?)|\bpresent(?:s|ation)\b/i],
  ['signs', /征象|表现|特点|特征|影像学?改变|\b(?:signs?|findings?|features?|appearances?)\b/i],
  ['diagnosis', /(?<!鉴别)诊断(?!标准)|确诊|\bdiagnos[ei]s\b/i],
  ['followup', /随访|复查|监测|follow-?up|surveillance/i],
  ['cause', /病因|原因|诱因|发病机制|危险因素|\b(?:causes?|etiology|aetiology|risk factors?)\b/i],
  ['complication', /并发症|合并症|\bcomplications?\b/i],
  ['prognosis', /预后|转归|生存率|\bprognosis\b|\boutcomes?\b/i],
  ['list', /类型|种类|有哪些|哪些|包括|\b(?:types?|kinds?)\b/i],
  ['definition', /什么是|是什么|定义|指什么|是指|何谓|含义|意思|\bwhat (?:is|are|does)\b|\bdefin/i],
];

const QUESTION_WORDS = /[?？吗呢]|什么|哪些|哪种|哪个|怎么|怎样|如何|多少|多大|几|是否|有无|\b(?:what|which|how|when|why|who|is|are|does|do|should|can)\b/i;

/**
 * Whether a query word only says what kind of thing is asked (临床表现, 鉴别诊断, 分型, 随访, 病因): it is matched
 * by the intent cues with at most one CJK character to spare. Such a word names the slot, never the topic — in
 * 「前列腺癌的临床表现」 a sentence about another disease's 临床表现 is not on the topic.
 */
export function isIntentWord(surface: string): boolean {
  const s = surface.normalize('NFKC');
  if (!/^[\u3400-\u9fff]+$/.test(s)) return false;
  let rest = s;
  for (const [, re] of CUES) rest = rest.replace(new RegExp(re.source, 'gi'), '');
  rest = rest.replace(/影像学?|诊断|治疗|原则|方法|方案|特点|手段|学/g, '');
  return rest.length <= 1 && rest.length < s.length;
}

/** Classify a question. Attribute questions (「小细胞肺癌的影像学特点」) take the intent of their attribute first. */
export function classifyQuestion(question: string): QuestionIntent {
  const q = question.normalize('NFKC').trim();
  const attribute = attributeOf(q);
  const found: Intent[] = [];
  for (const text of attribute ? [attribute.attribute, q] : [q]) {
    // A word claimed by one cue is not read again by a later one: 临床表现 asks for symptoms, not also for 表现 (signs).
    const claimed: Array<[number, number]> = [];
    for (const [intent, re] of CUES) {
      const m = re.exec(text);
      if (!m) continue;
      const [from, to] = [m.index, m.index + m[0].length];
      if (claimed.some(([a, b]) => from >= a && to <= b)) continue;
      claimed.push([from, to]);
      if (!found.includes(intent)) found.push(intent);
    }
  }
  // 「…的治疗首选什么」: the treatment, not an examination.
  if (found.includes('treatment') && found.includes('exam') && TREATMENT.test(q) && !/检查|imaging|test/i.test(q)) found.splice(found.indexOf('exam'), 1);
  const intents = found.length ? found : (['general'] as Intent[]);
  return { intent: intents[0], intents, ...(attribute ? { attribute } : {}) };
}

/** 「X的Y」 with no question word: the last 的 splits subject and attribute. */
function attributeOf(q: string): QuestionIntent['attribute'] | undefined {
  if (QUESTION_WORDS.test(q)) return undefined;
  const m = /^(.{2,30})的([^的]{2,20})$/.exec(q.replace(/[。.!！\s]+$/, ''));
  return m ? { subject: m[1], attribute: m[2] } : undefined;
}
