/**
 * The words a question uses for what it asks about (临床表现, 治疗, 病因…) and the words textbook sentences
 * use when they state it (症状, 首选…治疗, 由…引起). Curated and small on purpose: it covers the attribute
 * vocabulary of clinical questions across medicine, not any disease. A query containing a trigger gets
 * the group's other words as weighted expansion terms (below the literal text), and the group's intent
 * drives the rerank (search/rerank.ts).
 */
export interface QuestionWordGroup {
  intent: Intent;
  /** Words a question uses for this attribute. */
  triggers: string[];
  /** Words a passage uses to state it (expansion terms). */
  cues: string[];
}

export type Intent =
  | 'symptoms'
  | 'cause'
  | 'treatment'
  | 'drug'
  | 'surgery'
  | 'complication'
  | 'diagnosis'
  | 'lab'
  | 'imaging'
  | 'differential'
  | 'prognosis'
  | 'prevention'
  | 'population'
  | 'risk'
  | 'transmission'
  | 'classification'
  | 'site'
  | 'metastasis'
  | 'mechanism'
  | 'epidemiology'
  | 'threshold'
  | 'interval'
  | 'signs'
  | 'first_exam';

export const QUESTION_WORDS: QuestionWordGroup[] = [
  { intent: 'symptoms', triggers: ['临床表现', '临床特点', '症状', '表现', '体征', '主诉'], cues: ['症状', '表现', '表现为', '出现', '可有', '常有', '伴有', '首发', '体征'] },
  { intent: 'cause', triggers: ['病因', '原因', '诱因', '病原体', '致病菌', '为什么会'], cues: ['病因', '原因', '引起', '所致', '导致', '诱发', '感染', '病原'] },
  { intent: 'drug', triggers: ['药物治疗', '用药', '药物', '首选药', '抗生素', '化疗'], cues: ['药物', '首选', '口服', '静脉', '给予', '应用', '治疗'] },
  { intent: 'surgery', triggers: ['手术治疗', '手术方式', '术式', '手术'], cues: ['手术', '切除', '切除术', '术后', '修补', '置换'] },
  { intent: 'treatment', triggers: ['治疗方法', '治疗原则', '治疗', '疗法', '处理', '处置', '怎么治', '如何治'], cues: ['治疗', '首选', '给予', '应用', '疗程', '处理', '药物'] },
  { intent: 'complication', triggers: ['并发症', '合并症', '后遗症'], cues: ['并发', '并发症', '合并', '继发', '后遗症'] },
  { intent: 'differential', triggers: ['鉴别诊断', '鉴别', '区别', '区分'], cues: ['鉴别', '区别', '区分', '相鉴别'] },
  { intent: 'diagnosis', triggers: ['诊断标准', '诊断依据', '诊断', '确诊', '怎么诊断'], cues: ['诊断', '确诊', '依据', '标准', '即可诊断', '金标准'] },
  { intent: 'lab', triggers: ['实验室检查', '化验', '检验', '辅助检查', '血常规'], cues: ['检查', '检测', '升高', '降低', '阳性', '抗体', '血清', '培养', '计数'] },
  { intent: 'imaging', triggers: ['影像学检查', '影像学表现', '影像表现', '影像', '检查方法', '首选检查'], cues: ['影像', 'ct', 'mri', '磁共振', '超声', 'x线', '造影', '首选', '扫描'] },
  { intent: 'prognosis', triggers: ['预后', '转归', '生存率', '病死率'], cues: ['预后', '生存率', '痊愈', '死亡', '病死率', '恢复', '良好'] },
  { intent: 'prevention', triggers: ['预防', '防治', '疫苗', '筛查'], cues: ['预防', '疫苗', '接种', '筛查', '避免'] },
  { intent: 'population', triggers: ['多发群体', '好发人群', '易感人群', '高发人群', '发病年龄', '好发年龄', '人群'], cues: ['多见于', '好发于', '常见于', '多发', '岁', '儿童', '婴幼儿', '女性', '男性', '老年'] },
  { intent: 'risk', triggers: ['高危因素', '危险因素', '易患因素', '风险因素'], cues: ['危险因素', '高危', '风险', '易患', '增加'] },
  { intent: 'transmission', triggers: ['传播途径', '传播方式', '传染源', '传播'], cues: ['传播', '传染', '飞沫', '接触', '途径', '经'] },
  { intent: 'classification', triggers: ['病理分型', '分型', '分类', '分期', '分级', '类型'], cues: ['分型', '分为', '分类', '分期', '分级', '类型', '型'] },
  { intent: 'site', triggers: ['发病部位', '好发部位', '部位'], cues: ['部位', '好发于', '多位于', '位于', '累及', '多见于'] },
  { intent: 'metastasis', triggers: ['转移部位', '转移途径', '转移'], cues: ['转移'] },
  { intent: 'mechanism', triggers: ['发病机制', '病理生理', '机制'], cues: ['机制', '病理', '导致'] },
  { intent: 'epidemiology', triggers: ['流行病学', '发病率', '流行特点', '季节'], cues: ['发病率', '流行', '季节', '多见', '高发'] },
  { intent: 'threshold', triggers: ['多大', '阈值', '大小', '直径', '多少毫米', '界值'], cues: ['mm', 'cm', '直径', '大于', '小于', '≥', '以上'] },
  { intent: 'interval', triggers: ['多久', '间隔', '随访', '复查', '多长时间'], cues: ['随访', '复查', '个月', '年', '间隔'] },
  { intent: 'signs', triggers: ['征象', '影像特征', '特征', '早期征象'], cues: ['征象', '征', '表现', '可见'] },
  { intent: 'first_exam', triggers: ['首选检查', '首选影像', '首选什么检查', '检查首选'], cues: ['首选', '检查'] },
];

/** Trigger → group, longest triggers first (so 药物治疗 wins over 治疗). */
const TRIGGERS = QUESTION_WORDS.flatMap((g) => g.triggers.map((t) => ({ t, g }))).sort((a, b) => b.t.length - a.t.length);

/**
 * The question-word groups a (folded) query triggers, each with the trigger it matched; a shorter
 * trigger inside a longer matched one does not count (药物治疗 → drug, not also treatment).
 */
export function questionIntents(folded: string): Array<{ group: QuestionWordGroup; trigger: string }> {
  const out: Array<{ group: QuestionWordGroup; trigger: string }> = [];
  const taken: Array<[number, number]> = [];
  for (const { t, g } of TRIGGERS) {
    let at = folded.indexOf(t);
    while (at >= 0) {
      const end = at + t.length;
      if (!taken.some(([s, e]) => at < e && end > s)) {
        taken.push([at, end]);
        if (!out.some((o) => o.group === g)) out.push({ group: g, trigger: t });
      }
      at = folded.indexOf(t, end);
    }
  }
  return out;
}

/**
 * General equivalents between how questions and textbooks name a population or a disease form (儿童 vs
 * 小儿 vs 患儿): added to a query as weighted expansions, like the question words.
 */
export const EQUIVALENTS: string[][] = [
  ['儿童', '小儿', '患儿', '婴幼儿'],
  ['新生儿', '新生婴儿'],
  ['孕妇', '妊娠期', '孕期'],
  ['老年人', '老年', '高龄'],
  ['成人', '成年人'],
  ['脑梗死', '脑梗塞', '缺血性卒中', '缺血性脑卒中'],
  ['卒中', '脑卒中', '中风'],
];
