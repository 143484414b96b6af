import type { EntityType } from './lexicon.ts';
import { boundedMemo } from './memo.ts';

/**
 * What a mention outside the lexicon probably names, from its head word. Chinese medical terms are
 * head-final (急性胰腺炎 is a 炎, 盆腔MRI检查 an 检查), so the longest matching suffix decides. Besides
 * entity types, a head can show that a phrase is no entity at all: a pathogen (伤寒沙门菌), a group of
 * people (育龄期女性), or a generic noun a trigger is built from (症状, 方法). `null`: no known head.
 */
export type NameKind = EntityType | 'Pathogen' | 'Population' | 'Generic';

/** Suffix → kind. Order does not matter: the longest suffix that matches wins. */
const SUFFIXES: Array<[NameKind, string[]]> = [
  [
    'Disease',
    [
      '炎', '癌', '瘤', '病', '综合征', '综合症', '症', '疝', '痔', '瘘', '梗阻', '梗死', '梗塞', '栓塞', '血栓形成', '血栓', '穿孔', '骨折', '脓肿', '囊肿',
      '结石', '扭转', '套叠', '破裂', '衰竭', '损伤', '中毒', '感染', '贫血', '硬化', '畸形', '发育不良', '哮喘', '疾', '痢疾', '伤寒', '麻疹', '水痘',
      '结核', '溃疡', '息肉', '卒中', '中风', '痫', '子痫', '早剥', '前置胎盘', '颤动', '扑动', '高血压', '低血糖', '夹层', '动脉瘤', '血肿', '脑病',
      '肉瘤', '白血病', '淋巴瘤', '腺瘤', '血管瘤', '病变', '坏死', '积水', '妊娠', '出血热', '疟', '肾损伤', '狭窄症', '转移', '心绞痛', '心肌梗死',
      '肥大症', '亢进症', '减退症', '不全', '关节炎', '偏头痛', '神经痛', '巨大儿', '异位', '梗', '毒血症', '败血症', '脓毒症', '菌痢', '流脑', '房颤',
      '痛风', '血症', '尿症', '瘫', '痿', '闭锁', '高压', '子痫前期', '甲亢', '甲减', '血管内凝血', '感冒', '流感', '危象',
      // Conditions named after the chest they fill (胸 alone is no head: 桶状胸 and 鸡胸 are signs).
      '气胸', '血胸', '脓胸', '乳糜胸', '液气胸', '血气胸', '憩室', '静脉曲张', '曲张', '纤维化', '肌营养不良', '结构不良', '淀粉样变', '淀粉样变性',
      // English heads (upper-cased when matched): -itis, -oma, -osis, …
      'ITIS', 'OMA', 'OSIS', 'IASIS', 'EMIA', 'AEMIA', 'PATHY', 'DISEASE', 'SYNDROME', 'CANCER', 'CARCINOMA', 'INFECTION', 'FRACTURE', 'FAILURE', 'STROKE',
      'PNEUMONIA', 'EMBOLISM', 'THROMBOSIS', 'ANEURYSM', 'DISSECTION', 'ABSCESS', 'CYST', 'HERNIA', 'ULCER', 'INFARCTION', 'INFARCT', 'HEMORRHAGE',
      'HAEMORRHAGE', 'OBSTRUCTION', 'DIABETES', 'HYPERTENSION', 'ASTHMA', 'SEPSIS', 'INJURY', 'MALFORMATION', 'DISORDER',
      // Heads English textbooks open a section with (Wilms tumour, Meckel's diverticulum, renal malignancy).
      'TUMOUR', 'TUMOR', 'MALIGNANCY', 'NEOPLASM', 'DIVERTICULUM', 'ANOMALY', 'FISTULA', 'ATRESIA', 'TORSION', 'INTUSSUSCEPTION', 'VOLVULUS',
      'DYSPLASIA', 'HYPERPLASIA',
    ],
  ],
  [
    'Finding',
    [
      '痛', '疼痛', '压痛', '剧痛', '隐痛', '绞痛', '发热', '高热', '低热', '热', '寒战', '咳嗽', '干咳', '咳痰', '痰', '咯血', '呕血', '喘息', '气急', '气促',
      '呼吸困难', '胸闷', '心悸', '乏力', '疲劳', '易疲劳', '消瘦', '体重减轻', '体重下降', '水肿', '肿胀', '肿大', '黄疸', '恶心', '呕吐', '腹泻', '便秘',
      '便血', '黑便', '脓血便', '血便', '血尿', '蛋白尿', '少尿', '无尿', '多尿', '多饮', '多食', '尿频', '尿急', '尿痛', '出血', '瘀点', '瘀斑', '皮疹', '疱疹',
      '斑丘疹', '红斑', '瘙痒', '麻木', '无力', '瘫痪', '抽搐', '昏迷', '意识障碍', '意识丧失', '头晕', '眩晕', '晕厥', '休克', '发绀', '苍白', '脱水',
      '升高', '增高', '降低', '下降', '减低', '减少', '增多', '阳性', '异常', '障碍', '不适', '减退', '亢进', '紊乱', '增厚', '扩张', '狭窄', '闭塞', '积液', '积气',
      '肿块', '包块', '破坏', '反应', '消失', '下垂', '偏盲', '复视', '失禁', '咬伤', '脱皮', '皲裂', '充血', '杨梅舌', '音', '杂音', '摩擦音', '哮鸣音',
      '不齐', '短绌', '强直', '压低', '抬高', '延长', '不规则', '放射痛', '流涕', '盗汗', '多汗', '怕热', '手抖', '激动', '激惹', '易激惹', '脱发',
      '光过敏', '反流', '烧心', '反酸', '嗳气', '腹胀', '停止排气排便', '排便习惯改变', '排尿困难', '吞咽困难', '声音嘶哑', '嘶哑', '视物模糊', '畏光',
      '畏声', '闪光', '暗点', '先兆', '抑郁', '焦虑', '失眠', '震颤', '肌强直', '迟缓', '痉挛', '呻吟', '三凹征', '枕秃', '方颅', '鸡胸', '串珠', '软化',
      '肥厚', '增大', '缩小', '不光滑', '失调', '低白蛋白血症', '高脂血症', '酸中毒', '碱中毒', '高尿酸血症', '泌乳', '闭经', '不孕', '痛经', '性交痛',
      '流血', '排液', '出鲜血', '脱出', '三联征', '五联征', '症状', '缓脉', '烂苹果味', '口渴', '晨轻暮重', '杵状指', '蜘蛛痣', '肝掌', '腹水', '脾大', '肝大',
      '肝脾大', '赘生物', '细胞', '抗体', '结晶', '分离', '尖波', '波', '样动作', '异食癖', '反甲', '食欲减退', '食欲不振', '颈项强直', '刺激征', '胰岛素抵抗',
      '高反应性', '缺乏', '血性', '异常放电', '损害', '病灶',
      // Heads of visible findings (Koplik斑, 斑丘疹, 水疱): generic morphology, not a list of terms.
      '疹', '斑', '疱', '苔',
      '怒张', '缺血', '突眼', '凸出', '突出', '僵硬', '板紧', '发紧', '麻痹', '萎缩', '挛缩', '变形', '溃烂', '糜烂', '渗血', '潮红', '发红', '红肿', '触痛',
      '肌紧张', '板状腹', '膨隆', '隆起', '凹陷', '变浅', '变窄', '增宽', '僵直', '扩大', '桶状胸', '漏斗胸',
      'PAIN', 'FEVER', 'COUGH', 'DYSPNEA', 'DYSPNOEA', 'FATIGUE', 'SWELLING', 'RASH', 'BLEEDING', 'ALGIA', 'RRHEA', 'RRHOEA', 'NAUSEA', 'VOMITING',
      'HEADACHE', 'WEIGHT LOSS', 'JAUNDICE', 'EDEMA', 'OEDEMA', 'TENDERNESS', 'MURMUR', 'URIA', 'TACHYCARDIA', 'BRADYCARDIA', 'HYPOTENSION',
      'CONFUSION', 'SEIZURE', 'SEIZURES', 'WEAKNESS', 'CHILLS', 'SWEATS', 'SWEATING', 'WHEEZING', 'WHEEZE', 'HEMOPTYSIS', 'HAEMOPTYSIS',
      'PALPITATIONS', 'SYNCOPE', 'PRURITUS', 'ITCHING', 'ERYTHEMA', 'MALAISE', 'ANOREXIA', 'CRACKLES', 'COMA', 'CONSTIPATION', 'ADENOPATHY',
      'MEGALY', 'CYANOSIS', 'LEUKOCYTOSIS', 'STIFFNESS', 'PARALYSIS', 'VESICLES', 'PAPULES', 'ULCERATION', 'DYSPHAGIA', 'POLYURIA', 'LETHARGY',
    ],
  ],
  [
    'Sign',
    [
      '征', '影', '灶', '强化', '信号', '高信号', '低信号', '密度', '高密度影', '低密度影', '回声', '强回声', '低回声', '声影', '结节', '钙化', '空洞', '气液平面',
      '液平面', '平面', '三角', '骨针', '实变', '渗出', '血流信号', '廓清', '快进快出', '尾征', '晕征', '膜片', '内膜片', '真假腔', '改变', '骨质破坏',
      '骨膜反应', '瘤骨', '形成', '回声团', '暗区',
      // Notches and impressions on a structure (肋骨下缘切迹, 食管压迹).
      '切迹', '压迹',
      // Lines and rings a picture or an examination shows (帕氏线, Kerley B线, 口周苍白圈).
      '线', '圈',      '线', '圈',
      'SIGN', 'OPACITY', 'OPACITIES', 'CONSOLIDATION', 'NODULE', 'NODULES', 'ENHANCEMENT', 'CALCIFICATION', 'CAVITATION', 'EFFUSION', 'INFILTRATE',
      'INFILTRATES',
    ],
  ],
  [
    'Drug',
    [
      '片', '素', '霉素', '西林', '沙星', '唑', '拉唑', '替丁', '他汀', '普利', '沙坦', '洛尔', '地平', '噻嗪', '单抗', '替尼', '非尼', '铂', '紫杉醇', '醇', '碱',
      '钠', '钾', '镁', '剂', '制剂', '抑制剂', '阻滞剂', '拮抗剂', '激动剂', '药', '药物', '类药物', '球蛋白', '肝素', '华法林', '林', '喹', '松', '龙', '泮',
      '嗪', '坦', '的明', '酮', '胺', '多巴', '维甲酸', '砷剂', '铁剂', '钙剂', '锌剂', '补液盐', '硫酸亚铁', '秋水仙碱', '抗凝药', '抗生素', '激素', '胰岛素',
      '二甲双胍', '西平', '平', '甘油', '美沙拉秦', '环孢素', '阿昔洛韦', '韦', '双胍', '氯喹', '奥曲肽', '肽', '生成素', '活性物质', '维生素D',
      'MAB', 'NIB', 'CILLIN', 'MYCIN', 'FLOXACIN', 'AZOLE', 'PRIL', 'SARTAN', 'OLOL', 'STATIN', 'PRAZOLE', 'PARIN', 'STEROIDS', 'ANTIBIOTICS',
      'ANTIBIOTIC', 'INSULIN', 'METFORMIN', 'ASPIRIN', 'WARFARIN', 'VIR', 'CYCLINE', 'IMMUNOGLOBULIN', 'DRUGS', 'AGENTS',
    ],
  ],
  [
    'Procedure',
    [
      '术', '刮宫', '切除', '切除术', '修补术', '成形术', '置换术', '移植', '引流', '引流术', '穿刺', '套扎', '介入', '取栓', '溶栓', '减压', '夹闭', '栓塞术', '造瘘', '止血', '插管',
      // Cutting, removing or grafting (气管切开, 手术摘除, 刮除植骨): procedures, though 骨 alone heads a site.
      '切开', '摘除', '刮除', '植骨', '缝合',
      'ECTOMY', 'PLASTY', 'OTOMY', 'OSTOMY', 'SURGERY', 'RESECTION', 'TRANSPLANTATION', 'TRANSPLANT', 'REPAIR', 'DRAINAGE', 'ABLATION', 'EMBOLIZATION',
      'EMBOLISATION', 'STENTING',
    ],
  ],
  [
    'Treatment',
    [
      '治疗', '疗法', '化疗', '放疗', '放化疗', '透析', '输血', '补液', '禁食', '镇痛', '抗凝', '抗感染', '吸氧', '通气', '终止妊娠', '方案', '饮食控制',
      '补钾', '置换', '减压', '手术', '随访', '观察', '支持治疗', '对症治疗', '内分泌治疗', '靶向治疗','补钾', '置换', '减压', '手术', '随访', '观察', '支持治疗', '对症治疗', '内分泌治疗', '靶向治疗',
      'THERAPY', 'CHEMOTHERAPY', 'RADIOTHERAPY', 'DIALYSIS', 'VENTILATION', 'REHYDRATION', 'ANTICOAGULATION', 'OXYGEN', 'FLUIDS', 'TRANSFUSION',
    ],
  ],
  [
    'Exam',
    [
      'CT', 'MRI', 'MR', 'CTA', 'MRA', 'MRCP', 'DSA', 'PET-CT', 'PET/CT', 'SPECT', 'DWI', 'X线', 'B超', '彩超', '超声', '钼靶', '平片', '胸片', '造影', '扫描',
      '平扫', '增强', '检查', '检测', '试验', '培养', '活检', '涂片', '测定', '监测', '测量', '筛查', '显像', '成像', '心电图', '脑电图', '肌电图', '超声心动图',
      '镜', '胃镜', '肠镜', '结肠镜', '腹腔镜', '内镜', '血常规', '尿常规', '肝功能', '动态血压', '骨扫描', '视诊', '指检', '触诊', '听诊', 'PCR', '骨髓象',
      '血红蛋白', '血糖', '铁蛋白', '甲胎蛋白', '抗原', '标志物', '病理', '细胞学', '穿刺活检', '活检术', 'X线片', 'X线检查','血红蛋白', '血糖', '铁蛋白', '甲胎蛋白', '抗原', '标志物', '病理', '细胞学', '穿刺活检', '活检术', 'X线片', 'X线检查',
      'ULTRASOUND', 'ULTRASONOGRAPHY', 'RADIOGRAPH', 'RADIOGRAPHY', 'X-RAY', 'BIOPSY', 'ASSAY', 'CULTURE', 'SCOPY', 'GRAPHY', 'ECG', 'EKG',
      'ECHOCARDIOGRAM', 'SEROLOGY', 'SCAN', 'ANGIOGRAM', 'LEVEL', 'LEVELS', 'COUNT', 'SMEAR', 'PUNCTURE', 'TESTING', 'TEST',
    ],
  ],
  [
    'Anatomy',
    [
      '部', '叶', '段', '腺', '骨', '关节', '韧带', '胸膜', '腹膜', '脑膜', '管', '脏', '腔', '窦', '嵴', '陷凹', '象限', '干骺端', '端', '凸面', '窦旁', '结肠',
      '直肠', '胃', '十二指肠', '卵巢', '子宫', '阴囊', '肾', '肝', '脾', '肺', '心', '脑', '颞叶', '额叶', '枕叶', '顶叶', '眶面', '内侧', '外侧',
      // Compartments, spaces, borders and regions: the heads anatomical names are built on (中纵隔, 翼腭窝, 胸锁乳突肌前缘,
      // 心膈角区, 颈总动脉分叉处, 四肢, 股骨内髁, 脊髓后索, 蔓状静脉丛, 鼻咽侧壁, 前列腺移行带).
      '纵隔', '窝', '隐窝', '缘', '前缘', '后缘', '区', '分叉', '分叉处', '肢', '四肢', '髁', '后索', '侧索', '前索', '丛', '静脉丛', '神经丛', '壁', '侧壁',
      '移行带', '外周带', '中央带', '膈角', '肌', '神经', '脊髓', '脊柱', '椎', '椎体', '椎间盘', '髓质', '皮质', '鞍上', '鞍旁', '心房', '心室', '脑室', '房间隔',
      '室间隔', '间隔', '小肠', '回肠', '空肠', '盲肠', '肺门', '肝门', '颅底', '眼眶', '软组织', '会厌', '鼻腔', '鼻咽', '口咽', '喉咽', '咽', '喉',
      // Compartments named by a preposition-like suffix (肌锥内 is intraconal); only whole words, 内 alone is no head.
      '肌锥内', '肌锥外', '眶内', '颅内', '髓内', '髓外', '椎管内', '硬膜外', '硬膜下', '腹膜后', '腹膜外', '胸膜下',
    ],
  ],
  ['Stage', ['分期', '分级', '分型', '评分', '分类', '分度', '分级标准']],
  [
    'Pathogen',
    ['菌', '病原体', '病原', '杆菌', '球菌', '病毒', '原虫', '疟原虫', '螺旋体', '支原体', '衣原体', '立克次体', '真菌', '寄生虫', '虫', '奈瑟菌', '沙门菌', '志贺菌', '志贺菌属'],
  ],
  [
    'Population',
    [
      '患者', '病人', '病例', '人群', '儿童', '小儿', '婴儿', '婴幼儿', '幼儿', '新生儿', '早产儿', '青少年', '青年', '成人', '成年人', '老年人', '老人', '女性',
      '男性', '孕妇', '产妇', '妇女', '人', '者',
    ],
  ],
  [
    'Generic',
    [
      '表现', '临床表现', '体征', '病因', '原因', '诱因', '因素', '危险因素', '方法', '手段', '依据', '指标', '标准', '价值', '意义', '作用', '风险', '部位', '范围',
      '程度', '时间', '阶段', '结果', '情况', '过程', '类型', '病理类型', '基础', '原则', '关键', '目的', '并发症', '合并症', '诊断', '鉴别诊断', '预后', '疗效',
      '检查', '检测', '治疗', '药物',
      '特点', '特征', '征象', '金标准', '首选', '发生率', '死亡率', '阳性率', '检出率', '准确性', '敏感性', '特异性', '病史', '主诉', '病程', '疾病', '一种',
      '变化', '位置', '形态', '大小', '数量', '性质', '来源', '途径', '机制', '病理', '病理改变', '改变', '期', '型', '类', '级', '周', '天', '年', '月', '小时',
    ],
  ],
];

const BY_LENGTH: Array<[string, NameKind]> = SUFFIXES.flatMap(([kind, xs]) => xs.map((s) => [s, kind] as [string, NameKind])).sort((a, b) => b[0].length - a[0].length);

/** Whole words that are never entities, whatever their suffix says. */
const NOT_TERMS = new Set(['综合征', '综合症', '影像学', '影像学方法', '炎症', '核素', '高度', '高危', '低危', '中危', '常规', '抗菌药物', '妊娠', '分期', '分级', '分型', '评分', '分类', '筛查', '随访', '复查', '诊断', '鉴别', '病变', '病灶', '肿瘤', '疾病', '病情', '病程', '本病', '检查', '检测', '试验', '治疗', '手术治疗', '药物', '改变', '病理', '症状', '形成', '表现', '早期', '晚期', '中晚期', '急性期', '慢性期', '恢复期', '活动期', '初期', '前驱期', '失代偿期', '代偿期', '发作期', '间歇期', '夜间', '局部', '全身', '双侧', '一侧', '单侧', '同时', '一线', '二线', '三线', '基线', '中线']);

/** Modifiers that attach to the next list item rather than naming one (慢性、周期性、节律性上腹痛). */
const MODIFIER_ONLY = /^(?:[\u4e00-\u9fff]{1,4}(?<![女男])性|急性|慢性|早期|晚期|原发|继发|典型|双侧|单侧|一侧|局部|弥漫|多发|单发|持续|反复|进行性|轻度|中度|重度|轻症|重症)$/;

/** Words that qualify a generic noun without naming anything (主要病因, 常见原因, 典型表现). */
const QUALIFIER = /^(?:其|本病|该病|的|病理|无创|有创|特有|共同|基础|常规|首选|基本|进一步|必要|特殊|辅助|一般|常用|有效|主要|常见|典型|重要|最常见|最主要|首要|特征性|特异性|临床|主要的|常见的|最常见的|首发|基本|直接|间接|可靠|一定|较高|较大|诊断|治疗|检查|筛查|检测|评估|监测|随访|影像学?)+$/;

/** How an illness began (急性起病, 隐匿发病): 病 here is no disease head. */
const ONSET = /(?:起病|发病|患病|得病|致病|病程|病后|病前)$/;

/** A change or a relation alone (显著增多, 消失, 关系): what is said of something, never a name of its own. */
const CHANGE_ONLY = /^(?:显著|明显|轻度|进行性|逐渐|急剧|持续)?(?:增多|减少|升高|降低|增高|减低|消失|增快|减慢|减弱|增强|异常|下降|上升|加重|减轻|缩小|增大|关系|压力|水平|程度)$|^(?:大小|形态|强弱)?不(?:等|一)$/;

/** Kind of a phrase by its head, or null when no head is known. */
export function guessKind(text: string): NameKind | null {
  return kindOfMemo(text.trim());
}

/** Phrases recur across a corpus: their kind is looked up once. */
const kindOfMemo = boundedMemo(50_000, (t: string) => kindOf(t));

function kindOf(t: string): NameKind | null {
  if (!t || NOT_TERMS.has(t) || MODIFIER_ONLY.test(t) || ONSET.test(t) || CHANGE_ONLY.test(t)) return 'Generic';
  // A generic noun under a qualifier is generic (主要病因, 基础检查) whatever else its head could be.
  for (const g of GENERIC_BY_LAST.get(t.at(-1) as string) ?? []) if (t.endsWith(g) && (t.length === g.length || QUALIFIER.test(t.slice(0, -g.length)))) return 'Generic';
  const upper = t.toUpperCase();
  for (const [suffix, kind] of BY_LAST.get(upper.at(-1) as string) ?? []) if (upper.endsWith(suffix)) return kind;
  return null;
}

/** Suffixes (upper-cased, generic ones left out) by their last character, longest first. */
const BY_LAST = new Map<string, Array<[string, NameKind]>>();
for (const [suffix, kind] of BY_LENGTH) {
  if (kind === 'Generic') continue;
  const u = suffix.toUpperCase();
  const list = BY_LAST.get(u.at(-1) as string) ?? [];
  list.push([u, kind]);
  BY_LAST.set(u.at(-1) as string, list);
}

const GENERIC_BY_LAST = new Map<string, string[]>();
for (const g of (SUFFIXES.find(([k]) => k === 'Generic')?.[1] ?? []).slice().sort((a, b) => b.length - a.length)) {
  GENERIC_BY_LAST.set(g.at(-1) as string, [...(GENERIC_BY_LAST.get(g.at(-1) as string) ?? []), g]);
}

/** The kind as an entity type, or null for no entity (pathogen, people, generic word) and for an unknown head. */
export function guessEntityType(text: string): EntityType | null {
  const k = guessKind(text);
  return k === null || k === 'Pathogen' || k === 'Population' || k === 'Generic' ? null : k;
}
