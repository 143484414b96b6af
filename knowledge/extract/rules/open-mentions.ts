import { type EntityType, guessEntityType, guessKind, type LexiconEntry } from '../../../core/index.ts';

/** A lexicon mention as the open-mention finder sees it (sentence offsets). */
export interface KnownSpan {
  start: number;
  end: number;
  entry: LexiconEntry;
}

/**
 * A phrase that names something the lexicon does not know: `type` is a guess from its head word
 * (null: no known head), `head` the lexicon entity it ends with, when it does (重症 + 急性胰腺炎).
 */
export interface OpenSpan {
  start: number;
  end: number;
  text: string;
  type: EntityType | null;
  head?: LexiconEntry;
  /** It stands for the section topic (本病, 该病, 其). */
  pronoun?: boolean;
  /** A lexicon name the mention finder missed (jieba cut it differently): `head` is its entry. */
  known?: boolean;
  /** A site written before a modality (盆腔 + MRI检查): the mention is the modality, examining that site. */
  site?: string;
  /** A modifier before a known name (重症 + 急性胰腺炎): a narrower form of `head`, linked to it for review. */
  narrower?: boolean;
}

/**
 * Words that are never inside a name: trigger verbs, cue words, connectives, adverbs of frequency and
 * degree, determiners. Matched on the sentence with lexicon names masked, so they never cut a known name.
 * A phrase only cuts where it is: 治疗 ends a name (放射性碘治疗) unless it opens a clause or a trigger
 * ("治疗首选…"), so it is listed only in those positions.
 */
const PHRASES = [
  // resectability describes the patients (不可切除或转移者), and what a drug is given to control is no part of its name
  // (西那卡塞控制血钙); 控制血压 after a modal or 治疗 is the treatment itself
  '(?:不可|可|无法|不能)切除(?=[的者或和及、，,]|$)|(?<=[\u4e00-\u9fffA-Za-z])(?<!积极|严格|有效|治疗|以|需|应|可)控制(?!性|不佳|欠佳|良好|不良|不满意|血压)(?:血[钙糖脂磷钾]|症状|病情|感染|疼痛|炎症|心率|心室率|出血)?',
  // trigger verbs and their usual adverbs
  '(?:可|常|多|主要|通常|一般|均|亦|也|则|往往|大多|常常|还可|还|亦可|也可|同时)?(?:表现为|表现|呈现为|呈现|显示|出现|发生|伴有|伴随|合并|并发(?!现)|继发|引起|导致|造成|诱发|所致|引发)(?!性)',
  // what a disease leads to (可致胃扭转, 可恶变为肝细胞癌) and what a treatment does (可缓解骨痛): no part of a name
  // a frequency or degree adverb before a result word (降钙素原常升高): the finding is the test and its result
  '(?:常|多|可|均|明显|显著|轻度)(?=(?:升高|降低|增高|减低|增多|减少|增快|减慢|延长|缩短|阳性)(?![\u4e00-\u9fff]{0,1}[性型]))',
  // how well a treatment works (熊去氧胆酸疗效不确切, 化疗效果有限): no part of its name
  '(?:疗效|效果)(?:有限|不确切|不肯定|欠佳|不佳|较差|甚微|良好|较好|显著|明显)?(?=有限|不确切|不肯定|欠佳|不佳|较差|甚微|良好|较好|显著|明显|[，。；,;]|$)',
  '并发症|(?:可|易|常|多|均|亦)致(?![病密死命])|恶变为|转化为|(?:可|能)?(?:缓解|延缓|(?<!体重)减轻)(?!期|率)',
  // conjunctions, 伴, 是, 而 are never inside a name (伴行 is a verb of vessels)
  '伴(?!行)|和|或|及|与|是|(?<=[征症病炎癌瘤])系(?!统|列|膜)|而(?!非|不是)|(?<=[\uE000-\uE00B])对(?![称比照应])|(?<=检查|镜)[加并](?=[^，。；]{0,6}?(?:活检|检查|造影|培养|细胞学))',
  // a modal before a verb (需加用, 应行): jieba often glues the modal to the word before it (间日疟需)
  '(?:需|应|宜|可|须|必须|需要|应当)(?=[加用行做给采选进使服注补联改予作])|可用(?!于)|含服|舌下含服|改善|定位|查见|找到|检出|促进|补充|纠正|引导下|按照|按(?=[^，。；]{1,8}?分为)',
  // the end of a condition before its advice ("形成脓肿时需切开引流", "出现喉阻塞时应及时行气管切开"): 时 closes the
  // complication, the modal opens the treatment
  '(?<=[\u4e00-\u9fffA-Za-z0-9])时(?=行)|(?<=[\u4e00-\u9fffA-Za-z0-9])时(?:应|需|须|宜|可|则)(?:及时|尽早|立即|尽快|积极)?(?!能|见|有|出现|表现|伴|致|引起|导致)',
  // a procedure's verb before 经 (行经皮…): jieba reads 行经
  '行(?=经(?:皮|食管|胸|直肠|阴道|导管|内镜|腹|尿道|静脉|口|鼻))|(?<=^|[，,；;需应可宜再先即则均并者疗])行(?=[\u4e00-\u9fffA-Za-z\uE001-\uE00B])',
  '(?:可|常|多|亦|也|均|通常|往往|常常|可以)?(?:见到|可见|常见|多见|少见|罕见|见于|可有|常有|多有|均有|亦有|也有|还有|可伴|常伴|多伴|易伴)',
  '(?:应|需|要|须|可|首先|应首先|应高度|需高度|高度)?(?:考虑|怀疑|警惕)|(?:可|能|均可|常可|多可|仅能|仅可)?(?:发现|检出|明确)|仅能|仅可|仅有|仅作|仅在|仅见|仅用于|进展为|演变为|转变为|发展成|称为|称之为|统称为|归为|列为|视为|作为|成为|分为|分成|同属|属于|是指|系指|即为|即',
  '具有|有助于|用于|可用于|适用于|依靠|依赖|依据|根据|结合|借助|通过|采用|可选用|宜选用|可选择|选用|选择(?!性)|应用|使用|服用|给予|予以|加用|联用|联合|辅以|配合|合用|进行(?!性)|施行|实施|接受|需行|应行|可行|再行|先行|宜行|尽早|及时|立即|尽快|紧急|应尽早|一经确诊|确诊后',
  '首选|推荐|建议|禁用|禁止|慎用|避免|不宜|无需|无须|不需要|不需|不必|不推荐|不建议|不用|不能|无法|不可|不应|可能|可疑|提示|考虑|怀疑|疑似|疑诊|支持(?!治疗|疗法)|符合|排除|除外|排查|以免|否则',
  '鉴别|相鉴别|区别|相区别|区分|鉴别诊断|误诊为|误认为',
  '好发于|多发于|位于|累及|侵犯|侵及|侵入|压迫|起源于|来源于|起自|局限于|分布于|扩展|蔓延|放射至|放射到',
  '包括|包含|例如|比如|如下|诸如|又称|也称|亦称|简称|俗称|又名|英文缩写为|英文简称|缩写为|简写为|通常简称为|即所谓|所谓',
  '常用的|常用|方法|手段|依据|措施|原则|方式|途径|意义|价值|作用|临床表现|体征|征象(?!学)|(?<=典型|主要|首发|常见|临床|突出|其他|相关|早期|晚期|全身|局部|伴随)症状|症状(?=为|是|包括|有|多|常|可|以)|主要|典型|常见的|最常见的|最常见|最主要|重要|严重|特征性|首发|首要|临床上|临床|一般|通常|往往|常常|多为|多呈|大多|多数|大多数|绝大多数|大部分|部分(?!性)|少数|个别|一些|其他|其次为|其次是|其次|其中|依次为|依次|以及|或者|并且|而且|但是|然而|同时|此外|另外|因此|所以|如果|一旦|随着|尤其是|尤其|特别是|甚至|以上|以下|以内|左右|之一',
  '治疗(?=首选|方法|原则|方案|上|以|可|包括|主要|关键|药物|措施|手段|宜|应|需|为|是|时|后|中|期间|效果|无效|有效|的)|(?<=^|[，,；;：:。的是为])治疗',
  '(?<=典型|主要|临床)(?:三联征|三联症|四联征|五联征)(?=包括|为|是|有)|(?<=[\uE005\uE006A-Za-z]\\s?)上(?=[\u3400-\u9fff])|诊断(?!性)|确诊|检查示|检查显示|查体|体检|实验室检查|辅助检查|影像学检查|病理上|镜下|内镜下|显微镜下',
  '未见明显|未见|未发现|未出现|没有|不伴有|不伴|缺乏|并无|而无|而非|而不是|并非|不是|阴性|无效|禁忌证|禁忌|不敏感|作用最小|价值有限|意义不大|价值不大|不确切|较低|不高',
  '患者|病人|病例|病因|原因|诱因|存在|除非|防止|预防|以外|我国|国内|国外|目前|近年|近年来|早期常|晚期常|发病|病前|病后|术后|术前|产后|产前|分别|之间|之后|之前|期间|以后|以前',
  '本病|该病|此病|本症|该症|后者|前者|两者|二者|三者|其余',
  // when something appears first (破伤风最早出现的症状是…): no part of a name
  '最早|最先|最初',
  // how often a site is affected (以胃最多见, 以膝关节较为常见): jieba glues 最/较 to the site before it
  '(?:最为|较为|最|较)(?:多见|常见)',
  // 以 opening a clause (以胃最多见, 以额叶为主) is never part of the name after it
  '(?<=^|[，,；;：:])以(?=[\u4e00-\u9fff])',
  // a cause (常因骨折就诊): no part of the name after it
  '(?:常|多|均|主要|可)?因(?![子素])(?=[\u4e00-\u9fff\uE001-\uE00B])',
  // a copula after a frequency adverb (水肿常为最早出现的症状): jieba glues it to the name before it
  '(?:常|可|均|通常|往往|一般|多)为(?!主)',
  // how likely something is (发生风险增加): no part of its name
  '(?:发生)?(?:风险|危险)(?:明显|显著)?(?:增加|增高|升高)',
  '增加(?=[^。；]{2,40}?(?:风险|危险|概率|机会))',
  // what a culture grows (粪便培养出志贺菌): the test ends before it
  '分离出|分离到|(?<=培养)出|检测到',
  // what is said of a test's performance (血培养敏感性较低): no part of its name
  '(?:敏感性|特异性|敏感度|特异度|阳性率|检出率|准确性|准确率)(?=较|低|高|不|差|好|为|可达|达|仅|约|有限|[0-9])',
  '(?:应|需|要|须|可|首先)?高度(?=考虑|怀疑|提示|警惕)|为主(?!要)|为特征|为特点|为基础|为主要表现|为首选|为宜|为佳|是否|有无|能否|有关|相关(?!性)|相似|类似|不同|相同|相当',
  '较|更|最|很|极|仅|只|均|都|也|亦|又|再|并|而|且|则|若|如|约|近|达|至|到|从|由|经|对|把|被|将|使|让|因|以|于|在|和|与|及|或|等|其|该|此|的|地|得|着|了|过|之|所|者|时|后|前|中|可|能|会|应|需|须|宜|常|多|有|无|未|不|伴|见|呈|是|为|示|行|易|仍|还|尚|已|曾',
];

/** One-character words in the last alternative: they cut only where jieba segments them as words of their own. */
const SINGLE = new Set(PHRASES[PHRASES.length - 1].split('|'));
const PHRASE_RE = new RegExp(PHRASES.slice(0, -1).join('|'), 'g');

/** Brackets, punctuation and spaces end a phrase; hyphens and slashes inside names (PET-CT, 吉兰-巴雷) do not. */
const PUNCT = /[\s，。；：、,.;:!?！？（）()「」『』“”"'‘’【】[\]《》<>…·]/;

/** Numbers with units and ranges (3倍, 72小时内, 2～7岁, 15%), except where they are part of a name (2型, A16型, CA19-9). */
const NUMBER = /(?<![A-Za-z0-9.-])(?:第)?[0-9０-９]+(?:\.[0-9]+)?\s*(?:[～~\-–至到][0-9]+(?:\.[0-9]+)?)?\s*(?:%|％|倍|小时|天|日|周|个月|月|年|岁|分钟|秒|cm|mm|mg|g|kg|ml|mL|次|项|例|个)?(?:以上|以下|以内|内|左右|后|前)?(?![0-9A-Za-z\-型期级类度])/g;

/** Leading and trailing words that are not part of the name a phrase gives (a count is no part of a name: 多个牛奶咖啡斑). */
const LEAD = /^(?:(?:尤其|尤|而|并|均)?以|积极(?=手术|治疗)|免疫组化|免疫组织化学|口服(?!避孕)|先(?!天)|(?:重|轻|较重|较轻|严重|重症|轻症)者|(?:动态|直接|进一步|准确|无创)?(?:评估|观察|测量|判断|定量|定位|区分|鉴别|检出|发现|显示)|按|的有?|静脉注射|静脉滴注|静脉使用|肌内注射|皮下注射|(?:局部)?外用|舌下含服|同时|及时|早期常|伴有|伴|并|及|和|或|如|常规|取|时|用(?!药)|行(?!为|走|军)|(?:植入|置入|放置|安置)(?![型性物])|[多数几单两一][个枚处条](?:以上)?的?)(?=[\u4e00-\u9fffA-Za-z]{2})/;

/** Groups of people before a name: context, not part of it (人群筛查 is 筛查 of a group, 成人肥胖患者…). */
const PEOPLE = /^(?:人群|患者|患儿|病人|儿童|成人|老年人|孕妇|女性|男性|青少年|婴幼儿)(?=[\u4e00-\u9fffA-Za-z]{2})/;

/** Degree and frequency words before a symptom: how it is felt, not what it is (发作性中重度搏动样头痛). */
const SYMPTOM_DEGREE = /^(?:发作性|阵发性|间歇性|反复发作的?|反复|轻度|中度|重度|中重度|轻中度|剧烈|明显|突发|突然|一过性|全身)+(?=[\u4e00-\u9fffA-Za-z]{2})/;

/**
 * Modifiers that locate, count or qualify a known name without making another concept of it: a phrase
 * that is only these before a lexicon name is that name (双侧多发磨玻璃影 is 磨玻璃影, 成人急性阑尾炎 is
 * 急性阑尾炎). Severity, stage, age group of a disease (重症, 早期, 小儿) do make a narrower concept.
 */
const CONTEXT_MODIFIERS = /^(?:双侧|两侧|单侧|一侧|左侧|右侧|多发性?|单发性?|散在|弥漫性?|广泛|斑片状|片状|大片|小片|条索状|结节状|明显|轻度|中度|少量|大量|多个|单个|多种|典型|成人|成年人|老年人?|中老年人?|孕妇|青少年|局部|周围)+$/;

/** Nouns that, standing alone, mean the disease a section is about. */
const REFERRING = /^(?:早期|晚期|原发)?(?:肿瘤|病变|疾病|本病|该病|此病|病灶|该肿瘤|本症)(?:增大|进展|扩大|加重|进展后)?$/;

/** A generic noun under a determiner is no name (明显症状, 任何症状, 其他疾病). */
const GENERIC_QUALIFIED = /^(?:(?:一线|二线|三线|首选|标准|常规|最有效|有效|根治性)的?(?:治疗|疗法|药物|方法|手段)|(?:明显|任何|其他|相关|各种|多种|一些|某些|这些|上述|下列|特异性|无|有)(?:的)?(?:症状|表现|体征|疾病|病变|异常|改变|并发症|治疗|检查|药物)|(?:病理|临床|影像学?|组织学)(?:分级|分期|分型|诊断|检查|表现|改变))$/;

/** Wording in a phrase with no known head that shows it is a predicate or a quantity, not a name. */
const NON_NAME = /[随沿向]|引导|低危|高危|中危|成熟|除非|存在|证实|证明|发现|显示|进食|食物|突发|防止|预防|以外|移动|分布|放射(?!性|状)|发作|发展|进展|加重|减轻|缓解|(?<!沉降|滤过)率|最高|最低|较高|较低|成$|史$|人中|中应|(?<!反)应$|时$|之一|左右/;
const TRAIL = /(?:等症状|等表现|等体征|等并发症|(?<!不)等|水平|发作时?|发病时?|时|(?:两|三|四|几)大?(?:类|型|种))$/;

/** Names that contain a one-character cutting word (多饮, 不孕, 便后出血, 非甾体): never cut inside. */
const PROTECT = /[\u4e00-\u9fff]{1,2}(?:霉素|沙星|西林|培南|替尼|单抗|他韦|昔洛韦)|[0-9]+(?:,[0-9]+)+-[A-Za-zαβγ]|对症|饱和|大小不等|[痰涕便尿]中带血|他汀|经(?:皮|食管|胸|直肠|阴道|导管|内镜|腹|尿道|静脉|口|鼻)|多[饮食尿汗发囊]|[少无]尿|便后|有先兆|无先兆|不[孕育适齐全]|不均匀|不规则|不清晰?|不光整|不整齐|不连续|不对称|无[力痛]|非[甾典特霍小]|[对相]称|可复|易[激疲]|性[上下]|而来/g;

/** An abbreviation in brackets right after a phrase: 「…（ICD）」. */
const ABBREVIATED = /^\s*[（(][A-Z][A-Za-z0-9\-]{1,9}[）)]/;

const CJK = /[\u3400-\u9fff]/;
const LATIN_TERM = /^[A-Za-zαβγ][A-Za-z0-9αβγ\-+/.]{1,15}$/;

/** What the finder needs from the language tools: lexicon lookup and part-of-speech tagging. */
export interface OpenMentionTools {
  lookup: (surface: string) => LexiconEntry | undefined;
  tag: (text: string) => Array<{ word: string; tag: string }>;
}

/**
 * Text before a known name that makes a narrower concept of it (重症 + 急性胰腺炎, 小儿 + 腹泻, HER2阳性 +
 * 乳腺癌) rather than being a verb or another name glued to it (评估 + 脑转移).
 */
const DISEASE_MODIFIER = /^(?:(?:(?![的有是为])[\u4e00-\u9fffA-Za-z0-9+-]){0,8}(?:性|型|状|样|期|度|级|侧|半|阳性|阴性)|重症|轻症|危重|早期|晚期|中晚期|进展期|小儿|新生儿|婴幼儿|儿童期|妊娠期|妊娠|产后|原发|继发|局限|转移|复发|急性|慢性|亚急性|难治|复杂|单纯|典型|非典型|不典型|暴发|中毒|重型|轻型|普通|双侧|单侧|左|右|上|下|前|后|[A-Za-z0-9]+)+$/;

/** Text before a known site that narrows it (第一跖趾关节, 左侧, 右下). */
const SITE_MODIFIER = /^(?:第[一二三四五六七八九十0-9]+|[左右双两单一][侧]?|[上下前后内外中远近][段部侧端]?)+$/;

/** Part-of-speech tags of words that do not begin a name (a verb, adverb, preposition… before its head). */
const NOT_NAME_START = /^(?:v|vd|vn|d|p|c|ad|f|r)$/;
/** Tags of words that alone cannot make a name: a phrase of only these is a predicate (突发剧烈). */
const PREDICATE_TAGS = /^(?:a|ad|an|d|v|vd|p|c|u|uj|ul|m|q|r)$/;
/** Tags that make a lone word no name (需要, 积极, 处理, 一定). */
const NOT_NAME_WORD = /^(?:v|vd|vn|d|p|c|u|r|m|q|f|t|a|ad|an|y|e|o|b|z|uj|ul|ud|ug|uz|uv|zg|l)$/;

/**
 * Candidate names outside the lexicon in one sentence: the phrases between cutting words, punctuation
 * and numbers. A phrase that is exactly a lexicon name stays with the lexicon, and so does a site written
 * before a lesion (右肺上叶中央型肺癌) or a context word before a known name (双侧多发磨玻璃影). A modifier
 * before a known name (重症急性胰腺炎) or a site before a modality (盆腔MRI检查: compositional) makes one
 * new mention. Other text between known names (中央型肺癌阻塞支气管) is no name unless a head says so,
 * and a verb before a head is dropped (评估脑转移 → 脑转移). Pronouns for the topic come back with `pronoun`.
 */
export function findOpenSpans(text: string, masked: string, known: readonly KnownSpan[], words: readonly string[], tools: OpenMentionTools & { topic?: string }): OpenSpan[] {
  const n = text.length;
  const cut = new Uint8Array(n);
  const inKnown = new Int32Array(n).fill(-1);
  known.forEach((k, i) => {
    for (let p = k.start; p < k.end; p++) inKnown[p] = i;
  });
  const mark = (a: number, b: number) => {
    for (let p = a; p < b; p++) if (inKnown[p] < 0) cut[p] = 1;
  };
  const protect = new Uint8Array(n);
  for (const m of text.matchAll(PROTECT)) protect.fill(1, m.index ?? 0, (m.index ?? 0) + m[0].length);
  // Spaces cut only between words of the same script: typeset text spaces Latin inside Chinese ("胸部 CT").
  for (let p = 0; p < n; p++) if (PUNCT.test(text[p]) && inKnown[p] < 0 && !protect[p] && !(text[p] === ' ' && scriptChange(text, p))) cut[p] = 1;
  for (const m of masked.matchAll(PHRASE_RE)) {
    const at = m.index ?? 0;
    if (!m[0] || protect.subarray(at, at + m[0].length).every((x) => x === 1)) continue;
    // A word that makes an adjective with 性 (预防性, 诊断性, 进行性) is part of the name it opens.
    if (text[at + m[0].length] === '性' && /^[\u4e00-\u9fff]{2,}$/.test(m[0]) && at + m[0].length + 1 < n && /[\u4e00-\u9fff]/.test(text[at + m[0].length + 1])) continue;
    mark(at, at + m[0].length);
  }
  for (const m of text.matchAll(NUMBER)) if (m[0].trim() && !protect[m.index ?? 0]) mark(m.index ?? 0, (m.index ?? 0) + m[0].length);
  const pronouns: Array<[number, number]> = [];
  let cursor = 0;
  for (const w of words) {
    const at = text.indexOf(w, cursor);
    if (at < 0) continue;
    cursor = at + w.length;
    if (w.length === 1 && SINGLE.has(w) && !protect[at]) mark(at, at + 1);
    if (w === '其') pronouns.push([at, at + 1]);
  }
  for (const m of masked.matchAll(/本病|该病|此病|本症|该症/g)) pronouns.push([m.index ?? 0, (m.index ?? 0) + m[0].length]);

  const out: OpenSpan[] = pronouns.map(([a, b]) => ({ start: a, end: b, text: text.slice(a, b), type: 'Disease' as const, pronoun: true }));
  let p = 0;
  while (p < n) {
    if (cut[p]) {
      p++;
      continue;
    }
    let q = p;
    while (q < n && !cut[q]) q++;
    out.push(...phraseSpans(text, known, inKnown, p, q, tools));
    p = q;
  }
  return out.sort((a, b) => a.start - b.start);
}

/** The mentions one uncut run gives. */
function phraseSpans(text: string, known: readonly KnownSpan[], inKnown: Int32Array, from: number, to: number, tools: OpenMentionTools & { topic?: string }): OpenSpan[] {
  let [a, b] = trim(text, inKnown, from, to);
  if (a >= b) return [];
  const inside = new Set<number>();
  for (let p = a; p < b; p++) if (inKnown[p] >= 0) inside.add(inKnown[p]);
  // A known name written as an adjective of a longer one (弥散 in 弥散性血管内凝血) is no name of its own here.
  const parts = [...inside].sort((x, y) => x - y).map((i) => known[i]).filter((k) => !(k.end < b && /[性型样状]/.test(text[k.end]) && k.start >= a));
  // A known name cut by the phrase edges (a name straddling a cut) is left alone.
  if (parts.some((k) => k.start < a || k.end > b)) {
    a = Math.max(a, ...parts.filter((k) => k.start < a).map((k) => k.end));
    b = Math.min(b, ...parts.filter((k) => k.end > b).map((k) => k.start));
    return a < b ? phraseSpans(text, known, inKnown, a, b, tools) : [];
  }
  if (!parts.length) return nameIn(text, a, b, tools);
  const head = parts.at(-1) as KnownSpan;
  if (head.end === b) {
    if (parts.length === 1 && head.start === a) return [];
    const prefix = text.slice(a, head.start);
    const others = parts.slice(0, -1);
    const examHead = head.entry.type === 'Modality' || head.entry.type === 'Exam';
    if (examHead && others.every((k) => ['Anatomy', 'Modality', 'Exam'].includes(k.entry.type)) && !hasVerb(tools, prefix) && siteOrTechnique(prefix, others)) {
      return [{ start: a, end: b, text: text.slice(a, b), type: head.entry.type, head: head.entry, known: true, site: prefix.trim() }];
    }
    if (!others.length && CONTEXT_MODIFIERS.test(prefix)) return [];
    if (!others.length && head.entry.type !== 'Anatomy' && DISEASE_MODIFIER.test(prefix)) {
      return [{ start: a, end: b, text: text.slice(a, b), type: headType(head.entry, text.slice(a, b)), head: head.entry, narrower: true }];
    }
    // A drug class before a drug or treatment name: β-内酰胺类 + 抗生素, 大环内酯类 + 抗生素.
    if (!others.length && (head.entry.type === 'Drug' || head.entry.type === 'Treatment') && /类$/.test(prefix) && !hasVerb(tools, prefix)) {
      return drugName(text, a, b, head.entry);
    }
    // A site, then a known finding (乳房 + 肿块, 肝 + 脾大): the finding, with its site in the text.
    if ((head.entry.type === 'Finding' || head.entry.type === 'Sign') && others.length && others.every((k) => k.entry.type === 'Anatomy') && !hasVerb(tools, prefix)) {
      return [{ start: a, end: b, text: text.slice(a, b), type: head.entry.type, head: head.entry, known: true, site: text.slice(others[0].start, others.at(-1)?.end) }];
    }
    // A site the lexicon does not know, then a known finding (腹部 + 包块, 乳晕区 + 肿块): one finding, at that site.
    if ((head.entry.type === 'Finding' || head.entry.type === 'Sign') && !others.length && guessKind(prefix.trim()) === 'Anatomy' && !hasVerb(tools, prefix)) {
      return [{ start: a, end: b, text: text.slice(a, b), type: head.entry.type, head: head.entry, known: true, site: prefix.trim() }];
    }
    // Sites together name one site (下叶 + 背段).
    if (head.entry.type === 'Anatomy' && others.every((k) => k.entry.type === 'Anatomy') && (others.length || SITE_MODIFIER.test(prefix))) {
      return [{ start: a, end: b, text: text.slice(a, b), type: 'Anatomy', head: head.entry }];
    }
  } else if (guessEntityType(text.slice(a, b)) === 'Exam' && parts.some((k) => k.entry.type === 'Modality' || k.entry.type === 'Exam') && parts.every((k) => ['Anatomy', 'Modality', 'Exam'].includes(k.entry.type)) && !hasVerb(tools, text.slice(a, b))) {
    // A modality inside an exam's name (钼靶X线检查, 胸部X线检查): the modality, with the rest as its site.
    const mod = parts.filter((k) => k.entry.type !== 'Anatomy').at(-1) as KnownSpan;
    return [{ start: a, end: b, text: text.slice(a, b), type: mod.entry.type, head: mod.entry, known: true, site: text.slice(a, mod.start).trim() || undefined }];
  } else if (/^(?:症|病|综合征)$/.test(text.slice(head.end, b)) && guessEntityType(text.slice(a, b)) === 'Disease' && !hasVerb(tools, text.slice(a, head.start))) {
    // A known sign or finding, then a disease suffix (脊髓 + 空洞 + 症): the name of a disease, not the sign.
    return [{ start: a, end: b, text: text.slice(a, b), type: 'Disease' }];
  } else if (parts.every((k) => k.entry.type === 'Anatomy' || k.entry.type === 'Disease')) {
    // Sites (or a disease), then a name with a head of its own: one name (甲状腺功能亢进症, 肾性贫血, 心包摩擦音,
    // 冠状动脉造影, 卵巢囊肿蒂扭转).
    const tail = text.slice(head.end, b);
    const type = guessEntityType(text.slice(a, b));
    const sitesOnly = parts.every((k) => k.entry.type === 'Anatomy');
    if (type === 'Anatomy' && sitesOnly && !NON_NAME.test(tail)) return [{ start: a, end: b, text: text.slice(a, b), type: 'Anatomy' }];
    const fits = type && type !== 'Anatomy' && (sitesOnly || type === 'Disease');
    if (fits && !NON_NAME.test(tail)) {
      const whole = text.slice(a, b);
      return [{ start: a, end: b, text: whole, type: type === 'Sign' || type === 'Finding' || type === 'Disease' || type === 'Exam' ? type : guessEntityType(whole) ?? type }];
    }
  }
  // Otherwise the known names stand and the text between them is looked at on its own.
  const out: OpenSpan[] = [];
  let at = a;
  for (const k of parts) {
    if (k.start > at) out.push(...nameIn(text, ...trim(text, inKnown, at, k.start), tools));
    at = k.end;
  }
  if (at < b) out.push(...nameIn(text, ...trim(text, inKnown, at, b), tools));
  return out;
}

function trim(text: string, inKnown: Int32Array, from: number, to: number): [number, number] {
  let a = from;
  let b = to;
  // "胸腔镜下囊肿切除": the procedure done through a scope begins after 镜下.
  if (text[a] === '下' && text[a - 1] === '镜' && b - a > 2) a++;
  for (let guard = 0; guard < 3; guard++) {
    const lead = LEAD.exec(text.slice(a, b));
    if (!lead || inKnown[a] >= 0) break;
    a += lead[0].length;
  }
  for (let guard = 0; guard < 3; guard++) {
    const trail = TRAIL.exec(text.slice(a, b));
    if (!trail || inKnown[b - 1] >= 0) break;
    b -= trail[0].length;
  }
  while (a < b && /\s/.test(text[a])) a++;
  while (b > a && /\s/.test(text[b - 1])) b--;
  return [a, b];
}

/** The name in a stretch of text with no known name in it, if it reads as one. */
function nameIn(text: string, a: number, b: number, tools: OpenMentionTools & { topic?: string }): OpenSpan[] {
  if (a >= b) return [];
  const people = PEOPLE.exec(text.slice(a, b));
  if (people) a += people[0].length;
  let s = text.slice(a, b);
  if (!s || (CJK.test(s) ? cjkLength(s) < 2 && s !== tools.topic : !LATIN_TERM.test(s)) || s.length > 24) return [];
  const degree = SYMPTOM_DEGREE.exec(s);
  if (degree && guessEntityType(s.slice(degree[0].length)) === 'Finding' && !isGeneric(s.slice(degree[0].length))) {
    a += degree[0].length;
    s = s.slice(degree[0].length);
  }
  // A generic noun for the disease in hand refers to the topic ("肿瘤增大后可出现…").
  if (REFERRING.test(s)) return [{ start: a, end: b, text: s, type: 'Disease', pronoun: true }];
  // The topic's lesions at a site (长骨病变, 脊柱病变) are the topic there.
  const lesionSite = /^(.{1,4})(?:病变|病灶)$/.exec(s)?.[1];
  if (lesionSite && guessKind(lesionSite) === 'Anatomy') return [{ start: a, end: b, text: s, type: 'Disease', pronoun: true }];
  const entry = tools.lookup(s);
  if (entry) return [{ start: a, end: b, text: s, type: entry.type, head: entry, known: true }];
  if (GENERIC_QUALIFIED.test(s)) return [];
  // "用X治疗": the drug is the name; 治疗 says what it is for.
  const drug = /^(.{2,})(?:治疗|疗法)$/.exec(s)?.[1];
  if (drug && guessEntityType(drug) === 'Drug') {
    b -= s.length - drug.length;
    s = drug;
  }
  let type = guessEntityType(s);
  const kind = guessKind(s);
  if (kind === 'Pathogen' || kind === 'Population' || kind === 'Generic') return [];
  // A staging system outside the lexicon has a name of its own (Child-Pugh分级); 按病原学分类, 临床分期 name none.
  if (type === 'Stage' && !/[A-Za-z0-9ⅠⅡⅢⅣ]/.test(s)) return [];
  if (CJK.test(s)) {
    const tags = tools.tag(s);
    // A lone word tagged as a verb (嗜睡, 惊厥) is a name where it is an item of a list ("、" beside it).
    const listItem = text[a - 1] === '、' || text[b] === '、';
    // A phrase the text gives an abbreviation (植入型心律转复除颤器（ICD）) is a name, however long.
    const abbreviated = ABBREVIATED.test(text.slice(b));
    // A verb glued before it (植入 + 心律转复除颤器) is no part of the name.
    if (abbreviated && !type && tags.length > 1 && tags[0].word.length > 1 && /^v/.test(tags[0].tag) && cjkLength(s.slice(tags[0].word.length)) >= 4) {
      a += tags[0].word.length;
      s = s.slice(tags[0].word.length);
    }
    if (!type && !abbreviated && (tags.length === 1 ? NOT_NAME_WORD.test(tags[0].tag) && !(listItem && /^(?:v|vn|a|an|l)$/.test(tags[0].tag)) : NON_NAME.test(s) || cjkLength(s) > 8 || tags.every((t) => PREDICATE_TAGS.test(t.tag)))) return [];
    // A verb before a disease or a test is not part of its name (评估脑转移, 寻找胆总管结石); in symptoms,
    // signs and treatments it is (呼吸困难, 大便性状改变, 持续气道正压通气).
    if (type === 'Disease' || type === 'Exam') {
      let skip = 0;
      // Only words of two or more characters: one-character words begin names too (抗甲状腺药物, 糖皮质激素).
      for (let i = 0; i < tags.length - 1 && tags[i].word.length > 1 && NOT_NAME_START.test(tags[i].tag); i++) skip += tags[i].word.length;
      const rest = s.slice(skip);
      // A verb that makes an adjective (弥散性, 进行性) is part of the name.
      if (skip && cjkLength(rest) >= 2 && !/^[性型状样]/.test(rest) && guessEntityType(rest) === type) {
        a += s.indexOf(rest);
        s = rest;
        const known = tools.lookup(s);
        if (known) return [{ start: a, end: b, text: s, type: known.type, head: known, known: true }];
        type = guessEntityType(s);
      }
    }
  }
  return [{ start: a, end: b, text: s, type }];
}

function scriptChange(text: string, p: number): boolean {
  const before = text[p - 1] ?? '';
  const after = text[p + 1] ?? '';
  return (CJK.test(before) && /[A-Za-z0-9]/.test(after)) || (/[A-Za-z0-9]/.test(before) && CJK.test(after));
}

function isGeneric(s: string): boolean {
  const k = guessKind(s);
  return k === 'Generic' || k === 'Population' || k === 'Pathogen';
}

/** A drug name, without a trailing 治疗 that says what it is for ("β-内酰胺类抗生素治疗"). */
function drugName(text: string, a: number, b: number, head: LexiconEntry): OpenSpan[] {
  const s = text.slice(a, b);
  const bare = /^(.{2,})(?:治疗|疗法)$/.exec(s)?.[1];
  const end = bare && guessEntityType(bare) === 'Drug' ? a + bare.length : b;
  return [{ start: a, end, text: text.slice(a, end), type: end < b ? 'Drug' : head.type, head }];
}

/** Techniques written before a modality (增强, 动态增强, 钼靶, 经阴道): part of the exam's name. */
const TECHNIQUE = /^(?:[\u4e00-\u9fff]{0,6}(?:增强|平扫|动态|高分辨率?|多参数|彩色多普勒|多普勒|床旁|急诊|钼靶|立位|卧位|正侧位|常规|薄层|三维|能量|灌注|弥散|核素|放射性核素)|经[\u4e00-\u9fff]{1,4})+$/;

/** Whether the text before a modality names a site or a technique (盆腔, 头颅增强), not something else glued to it (应以). */
function siteOrTechnique(prefix: string, others: readonly KnownSpan[]): boolean {
  const p = prefix.trim();
  if (!p || others.some((k) => k.entry.type === 'Anatomy')) return true;
  return guessKind(p) === 'Anatomy' || TECHNIQUE.test(p) || /^[\u4e00-\u9fff]{1,4}(?:部|腔|区|颅|脑|胸|腹|盆|肢|椎|管|脏|腺)$/.test(p);
}

function hasVerb(tools: OpenMentionTools, s: string): boolean {
  return !!s && tools.tag(s).some((t) => t.tag === 'v' && t.word.length > 1 && !/增强|平扫|造影|扫描/.test(t.word));
}
/** A modifier keeps the head's type, except that a site before a modality makes an exam (盆腔MRI). */
function headType(head: LexiconEntry, text: string): EntityType | null {
  if (head.type === 'Modality') return 'Exam';
  if (head.type === 'Anatomy') return guessEntityType(text);
  return head.type;
}

function cjkLength(s: string): number {
  let n = 0;
  for (const ch of s) if (CJK.test(ch) || /[A-Za-z0-9]/.test(ch)) n++;
  return n;
}
