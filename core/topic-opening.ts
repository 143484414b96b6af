import { guessKind } from './term-kinds.ts';

/**
 * The sentence that opens a disease's topic, from its form alone — one set of rules for search (the
 * chunker's topic-bounded chunks and `chunks.subject`) and for extraction (the subject of the sentences
 * that leave it out). A textbook exported one sentence per line names a disease where its topic opens
 * (「麻疹是由麻疹病毒引起的急性呼吸道传染病」, 「X又称Y」, 「X以…为特征」, 「…称为X」, 「X多见于…」) and then says
 * 本病, 患儿 or nothing. No disease is named here: the vocabulary is the morphology of names
 * (term-kinds.ts) and the verbs of definitions. Callers decide what the leading name is (search by its
 * form, extraction by its mentions and the lexicon) and how far a topic carries.
 */

/** An alias or abbreviation in brackets right after a name: 「新型冠状病毒感染（COVID-19）」. */
const ALIAS = '(?:[（(][^）)]{1,40}[）)])?';

/** The name a sentence leads with: its text up to a bracket or a defining verb. */
const LEAD = /^([\u3400-\u9fffA-Za-z0-9αβγ\-·]{2,24}?)(?=[（(]|又称|也称|亦称|简称|俗称|旧称|曾称|习称|又名|泛指|指(?![标数南导征甲趾端纹针出示令定头])|即(?!可|使|便|出现|发生|有|行|应|需|予|给|开始|感|觉)|(?:绝大多数|大多数|大多)(?:为|是|由|系)|是|为|系|的病因|的病原|[多好常](?:见|发)于|多发生于|常发生于|起源于|来源于|以)/;

/** Words a leading phrase is no name with (「按肌瘤与子宫肌壁的关系可分为…」, 「根据…」). */
const NOT_IN_NAME = /可[分以能]|[与和及或按]|根据|的关系|受累$|最(?:常见|多见|主要)|^(?:绝大多数|大多数|多数|少数|部分|患者|患儿|病人|约|近半数|半数)/;

/** Words that start a sentence without being part of its leading name. */
export const LEAD_IN = /^(?:而|但|另外|此外|其中|如|若|当|我国)/;

/** A definition of the leading name: 「X又称…」「X是指…」「X是一种/由/以…」「X即…，」「X以…为特征」「X起源于…」. */
const DEFINITION = new RegExp(
  `^\\s*${ALIAS}\\s*(?:${[
    '又称', '也称', '亦称', '简称', '俗称', '旧称', '曾称', '习称', '又名', '是指', '系指', '指的是', '泛指', '指(?![标数南导征甲趾端纹针出示令定头])', '即(?!可|使|便|出现|发生|有|行|应|需|予|给|开始|感|觉)[^，。；,;]{2,30}[，,]',
    '(?:是|为|系)(?:一种|一组|一类|由|以|指)', '起源于', '来源于',
    '以[^，。；,;]{2,40}为(?:主要)?(?:特征|特点)',
  ].join('|')})`,
);

/** An English definition: 「X is a/an …」, 「X, also known as Y, …」, 「X refers to…」, 「X is characterised by…」. */
const DEFINITION_EN = /^\s*(?:\([^)]{1,40}\))?\s*(?:,?\s*also (?:called|known as)\b|(?:is|are) (?:an?|the)\b|refers? to\b|is defined as\b|(?:is|are) characteri[sz]ed by\b|(?:typically |usually |often |commonly )?presents? (?:with|as)\b)/i;

/** What only a topic has (its cause, who it strikes): 「X的病因…」「X多见于…」. */
const TOPIC_FACT = new RegExp(`^\\s*${ALIAS}\\s*(?:的(?:病因|病原体|病原|致病菌|发病机制|基本病理|主要病理|病理特点)|(?:多|好|常)(?:见|发)于|多发生于|常发生于)`);

/** A copula ("X是…", "X为…"): what follows says what X is, unless it relates X to another name. */
const COPULA = new RegExp(`^\\s*${ALIAS}\\s*(?:是|为|系)`);

/** Words by which a copula relates its subject to something else rather than defining it (X是Y的并发症/表现/原因). */
const RELATING = /并发症|合并症|后遗症|表现|症状|体征|征象|特征|特点|标志|原因|诱因|病因|病原|危险因素|因素|方法|检查|试验|手段|标准|指标|治疗|药物?|抗生素|方案|措施|首选|依据|基础|结果|后果|前驱|类型|亚型|分型|一部分|组成|传播|途径|媒介|部位|诱发|继发|改变|适应证|禁忌|死因/;

/** Words a disease definition ends in (…的急性呼吸道传染病, …所致的皮肤病, …的临床现象). */
const GENUS = /(?:病|症|炎|癌|瘤|综合征|综合症|感染|畸形|疾患|损伤|损害|障碍|失常|紊乱|衰竭|缺陷|现象|急症|阶段|中毒|出血|梗死|梗阻|破裂|疝|瘘|反应|病变|憩室)(?:之一)?$/;

/** A definition that names its subject last: 「…称为前置胎盘」, 「…称为异位妊娠，习称宫外孕」. */
const NAMED_LAST = /(?:称为|称之为|统称为|叫做|被称为)\s*([^，。；,;：:、\s“”"]{2,24}?)\s*(?:[，,](?:习称|又称|也称|亦称|简称|俗称)[^，。；,;]{2,24})?\s*[。.]?\s*$/;

/** How a sentence opens its leading name's topic: by defining it, by a copula that puts it in a genus, or by a fact only a topic has. */
export type TopicOpening = 'definition' | 'genus' | 'fact';

/**
 * How the text after a sentence's leading name opens that name's topic, or null when it does not. A
 * copula defines unless the noun its clause ends in relates the name to something else (X是Y的并发症/
 * 表现/原因/首选方法) or the clause names the topic in progress (「狼疮肾炎是系统性红斑狼疮最常见的内脏
 * 损害」). A name whose head shows no disease (`name`: see NameHead) must be put in a disease genus, which
 * may itself be a disease (室间隔缺损是最常见的先天性心脏病) and may come after commas ("X是…侵入人体，
 * …引起的急性特异性感染").
 */
export function topicOpening(after: string, opts: { name?: NameHead; current?: string | null } = {}): TopicOpening | null {
  const name = opts.name ?? 'disease';
  if (DEFINITION_EN.test(after)) return name !== 'unknown' ? 'definition' : null;
  if (DEFINITION.test(after)) return name !== 'unknown' || inGenus(after.replace(/^\s*[（(][^）)]*[）)]/, '')) ? 'definition' : null;
  if (TOPIC_FACT.test(after)) return 'fact';
  const copula = COPULA.exec(after);
  if (!copula) return null;
  const rest = after.slice(copula[0].length);
  const clause = rest.split(/[，。；,;]/)[0];
  // The noun the clause ends in: after its last 的, or its last words when it has none (「X是…杀虫药进入人体后抑制…活性」 ends in no 药).
  if (RELATING.test(clause.includes('的') ? clause.slice(clause.lastIndexOf('的') + 1) : clause.slice(-4))) return null;
  if (opts.current && clause.includes(opts.current)) return null;
  return name === 'disease' || inGenus(rest) ? 'genus' : null;
}

/** Whether a statement's first clause, or its whole first sentence, ends in a disease genus. */
const inGenus = (text: string) => GENUS.test(text.split(/[，。；,;]/)[0]) || GENUS.test(text.replace(/[。；;.\s]+$/, '').split(/[。；;]/)[0]);

/**
 * A name that begins with the topic in progress (重症肌无力危象 under 重症肌无力) is part of that topic:
 * defining it opens no other.
 */
export function withinTopic(name: string, current: string): boolean {
  const topic = current.replace(/[（(][^）)]*[）)]$/, '');
  return name.length > topic.length && name.startsWith(topic);
}

/** The name a sentence leads with (all of its text before the alias bracket or the defining verb), and where it ends. */
export function leadingName(sentence: string): { name: string; start: number; end: number } | null {
  const lead = LEAD_IN.exec(sentence);
  const start = lead ? lead[0].length : 0;
  const m = LEAD.exec(sentence.slice(start));
  return m && !NOT_IN_NAME.test(m[1]) ? { name: m[1], start, end: start + m[1].length } : null;
}

/** The name a definition gives last (「…称为前置胎盘。」), and where it ends in the sentence. */
export function nameGivenLast(sentence: string): { name: string; end: number } | null {
  const m = NAMED_LAST.exec(sentence);
  if (!m) return null;
  return { name: m[1], end: sentence.length - (m[0].length - m[0].indexOf(m[1]) - m[1].length) };
}

/**
 * What a name's head says it can open: anything for a disease; for a condition (a symptom or sign head:
 * 重症肌无力, 新生儿黄疸) a definition, or a copula that puts it in a disease genus; for a name with no
 * known head (百日咳, 痤疮, 青光眼 — or a phrase that is no name: 「重症肌无力危象是指…呼吸困难」) only a
 * statement that puts it in a disease genus. Null: a drug, a test, a group of people, a generic noun.
 */
export type NameHead = 'disease' | 'condition' | 'unknown';

/** The head of a name by its morphology (core/term-kinds.ts): what it may open (see NameHead). */
export function nameHead(name: string): NameHead | null {
  const kind = guessKind(name);
  if (kind === 'Disease') return 'disease';
  if (kind === 'Finding' || kind === 'Sign') return 'condition';
  return kind === null ? 'unknown' : null;
}

/** Sentences that refer back to the topic in progress (「本病」「该病」): never the start of another. */
export const BACK_REFERENCE = /本病|该病|此病|本症|该症|上述/;

/** The name without a bracketed alias or abbreviation (「新型冠状病毒感染（COVID-19）」 → 新型冠状病毒感染). */
export const bareName = (subject: string) => subject.replace(/[（(][^）)]*[）)]$/, '');

/**
 * The condition a sentence opens the topic of, and whether by a definition (strong) rather than a copula
 * or a topic fact; null when it opens none. `current` is the topic in progress (a copula that names it
 * relates to it rather than defines).
 */
export function openingSubject(sentence: string, current: string | null = null): { subject: string; strong: boolean; fact?: true } | null {
  const s = sentence.trim();
  if (BACK_REFERENCE.test(s)) return null;
  const last = nameGivenLast(s);
  // 「…称为X」 puts no genus in X's place: X's own head must show a condition (not 「…称为B型」).
  const lastHead = last && nameHead(last.name);
  if (last && lastHead && lastHead !== 'unknown') return { subject: last.name, strong: true };
  const lead = leadingName(s);
  const head = lead && nameHead(lead.name);
  if (!lead || !head) return null;
  const after = s.slice(lead.end);
  const opening = topicOpening(after, { name: head, current: current && bareName(current) });
  if (!opening) return null;
  // The name keeps its bracketed alias or abbreviation (「新型冠状病毒感染（COVID-19）」): search indexes it.
  const alias = /^[（(][^）)]{1,30}[）)]/.exec(after)?.[0] ?? '';
  return { subject: lead.name + alias, strong: opening === 'definition', ...(opening === 'fact' ? { fact: true as const } : {}) };
}

