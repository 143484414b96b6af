/**
 * De-identification of radiology text before it leaves the trust boundary: an LLM prompt, an
 * export, a log line. Rule-based and deterministic on purpose: the same input and policy always
 * give the same output, so it can be audited, tested with authored examples, and run on every
 * log line without a model.
 *
 * What it promises (a header-oriented policy):
 * - `name`: personal names in labelled fields only (report headers, signature lines:
 *   "姓名：张三", "患者：欧阳娜娜", "申请医生：李医生", "报告医师 王小明", "Patient Name: John Smith").
 *   Names in free prose ("张三于昨日入院") are NOT found: telling a Chinese name from an ordinary
 *   word without a label needs a model and would also eat clinical words; callers that send
 *   free narrative from outside a report body must not rely on this function for names.
 * - `id_card`: 18-digit PRC resident ID numbers whose GB 11643 check digit, region and birth date
 *   are valid, and 15-digit legacy numbers with a valid region and birth date; any value (even
 *   invalid or masked) after a label such as "身份证号：".
 * - `phone`: mobiles 1[3-9]x xxxx xxxx (optional +86, spaces, dashes), landlines with an area
 *   code (0xx-xxxxxxxx, (0xxx)xxxxxxx), and any number after a phone label ("电话：87654321").
 * - `mrn` / `accession`: codes after patient-record labels (病历号, 住院号, 门诊号, ID号, MRN, …) and
 *   exam labels (检查号, 影像号, Accession No., …). Unlabelled codes are not guessed.
 * - `date`: full dates 2024-03-05, 2024/3/5, 2024.03.05, 2024年3月5日, 3/5/2024, Mar 5, 2024,
 *   5 March 2024, with an optional time; partial birth dates after a DOB label. Years alone and
 *   year-month outside a birth-date field are kept (guideline citations "2025版", "(2024)").
 * - `address`: the value of an address label up to the end of the line or the next field.
 * - `age`: only ages above 89 (HIPAA Safe Harbor groups them as 90+); "≥90岁" thresholds in
 *   guideline prose are left alone.
 * - `email`: addresses anywhere (cheap, unambiguous, and a direct identifier).
 *
 * Clinical content is untouched by construction: every numeric detector needs either a label,
 * an exact shape (11-digit mobile, 18-digit checksummed ID, 4-digit year plus month and day), or a
 * unit (岁), so "3.5 cm", "CT值 45 HU", "T2aN1M0", "10.5", "C34.1", "16383" and "100,000" pass.
 *
 * Deliberately NOT detected (say so to callers rather than pretend):
 * - names outside labelled fields, lower-case English names ("name: john smith"), a surname
 *   split from its title by a space ("李 医生");
 * - unlabelled record/exam codes, bed numbers (床号), ward, department, employer, IP addresses,
 *   URLs, epoch timestamps in logs;
 * - free-text addresses without a label; years alone, year-month in prose, times without a date;
 * - ages ≤ 89 and any age given only as a birth year.
 * Weak labels (患者：, 病人：, Patient:) also appear in prose, so their value must look like a
 * name (common surname, no clinical characters); bare English words (Exam, Report, Order) open
 * a code only with "No."/"#", and a bare "ID" only with a colon or "No.".
 *
 * Replacements are bracketed tags ([姓名], [电话], …; English tags on request). Shifted dates are
 * written as "[日期:2023-11-02]": the tag marks them as surrogates for a human reader and makes
 * the function idempotent (text inside our own tags is never re-detected, so a second pass does
 * not shift again).
 */
import { createHash } from 'node:crypto';
import { AppError } from '../errors.ts';

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

export type DeidKind = 'name' | 'id_card' | 'phone' | 'mrn' | 'accession' | 'date' | 'address' | 'age' | 'email';

/** One replaced span. Offsets are into the ORIGINAL text; the original value is never stored. */
export interface DeidFinding {
  kind: DeidKind;
  start: number;
  end: number;
  replacement: string;
}

export interface DeidResult {
  text: string;
  findings: DeidFinding[];
}

export type DateHandling = 'shift' | 'remove' | 'keep';
export type TagLanguage = 'zh' | 'en';

export interface DeidPolicy {
  /**
   * 'shift' moves every date of one subject by the same number of days (intervals survive),
   * 'remove' replaces dates with a tag, 'keep' leaves them. Default: 'shift' when `subjectKey`
   * or `dateShiftDays` is given, otherwise 'remove' (never silently keep real dates).
   */
  dates?: DateHandling;
  /** Stable per-patient key (an internal surrogate id is best); the shift is derived from it. */
  subjectKey?: string;
  /** Explicit shift in days; overrides the one derived from `subjectKey`. */
  dateShiftDays?: number;
  /** Language of the replacement tags; default 'zh'. */
  tags?: TagLanguage;
}

/** Replacement tags per language. Shifted dates use the date tag with ":<date>" inside. */
export const DEID_TAGS: Readonly<Record<TagLanguage, Readonly<Record<DeidKind, string>>>> = {
  zh: {
    name: '[姓名]',
    id_card: '[身份证号]',
    phone: '[电话]',
    mrn: '[病历号]',
    accession: '[检查号]',
    date: '[日期]',
    address: '[地址]',
    age: '[年龄≥90]',
    email: '[邮箱]',
  },
  en: {
    name: '[NAME]',
    id_card: '[ID-CARD]',
    phone: '[PHONE]',
    mrn: '[MRN]',
    accession: '[ACCESSION]',
    date: '[DATE]',
    address: '[ADDRESS]',
    age: '[AGE≥90]',
    email: '[EMAIL]',
  },
};

// ---------------------------------------------------------------------------------------------
// Policy
// ---------------------------------------------------------------------------------------------

interface Ctx {
  dates: DateHandling;
  shiftDays: number;
  tags: Readonly<Record<DeidKind, string>>;
}

/** Domain separation, so the shift cannot be confused with any other hash of the same key. */
const SHIFT_DOMAIN = 'yingzhi/deid/date-shift/v1\u0000';

/**
 * The date shift for one subject: sha256(domain ‖ key) → a day count in [-365, -1] ∪ [1, 365].
 * Zero is excluded so a shifted date never equals the real one. SHA-256 rather than SM3 because
 * the value must be identical on every machine and Node builds without SM3 exist; the shift is
 * a pseudonym, not a secret, so pass an internal surrogate id, not a guessable MRN.
 */
export function dateShiftDaysFor(subjectKey: string): number {
  const digest = createHash('sha256').update(SHIFT_DOMAIN).update(subjectKey, 'utf8').digest();
  const n = digest.readUInt32BE(0) % 730;
  return n < 365 ? n - 365 : n - 364;
}

/** Validates the policy and fixes the date handling, so detectors never look at options again. */
function resolvePolicy(policy: DeidPolicy = {}): Ctx {
  const { subjectKey, dateShiftDays } = policy;
  if (subjectKey !== undefined && subjectKey.trim() === '') {
    // An empty key would give every patient the same shift: refuse rather than leak linkage.
    throw new AppError('VALIDATION_FAILED', 'subjectKey must not be empty', { field: 'policy.subjectKey' });
  }
  if (dateShiftDays !== undefined && (!Number.isInteger(dateShiftDays) || Math.abs(dateShiftDays) > 36_500)) {
    throw new AppError('VALIDATION_FAILED', 'dateShiftDays must be a whole number of days', { field: 'policy.dateShiftDays' });
  }
  const canShift = subjectKey !== undefined || dateShiftDays !== undefined;
  const dates = policy.dates ?? (canShift ? 'shift' : 'remove');
  if (dates === 'shift' && !canShift) {
    throw new AppError('VALIDATION_FAILED', "dates: 'shift' needs a subjectKey (or dateShiftDays) so one patient's dates move together", {
      field: 'policy.subjectKey',
    });
  }
  const shiftDays = dates === 'shift' ? (dateShiftDays ?? dateShiftDaysFor(subjectKey as string)) : 0;
  return { dates, shiftDays, tags: DEID_TAGS[policy.tags ?? 'zh'] };
}

// ---------------------------------------------------------------------------------------------
// Shared pattern pieces
// ---------------------------------------------------------------------------------------------

/** Horizontal space only: a field never continues onto the next line. */
const SP = '[ \\t\\u3000]';
const HAN = '\\u3400-\\u4dbf\\u4e00-\\u9fff';

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

type Candidate = DeidFinding;

function tagged(kind: DeidKind, start: number, end: number, ctx: Ctx): Candidate {
  return { kind, start, end, replacement: ctx.tags[kind] };
}

// ---------------------------------------------------------------------------------------------
// PRC resident ID numbers (GB 11643-1999)
// ---------------------------------------------------------------------------------------------

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';
/** Province-level codes, plus 81–83 (HK/Macao/Taiwan residence permits) and 9x (foreigners' permanent residence). */
const ID_REGION_RE = /^(?:1[1-5]|2[1-3]|3[1-7]|4[1-6]|5[0-4]|6[1-5]|71|8[1-3]|9\d)/;

function isCalendarDate(y: number, m: number, d: number): boolean {
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

/** The GB 11643 check character for the first 17 digits (ISO 7064 MOD 11-2). */
function idCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * ID_WEIGHTS[i];
  return ID_CHECK[sum % 11];
}

/** True for a valid 18-digit (checksum, region, birth date) or 15-digit legacy (region, birth date) number. */
export function isValidPrcIdNumber(value: string): boolean {
  const s = value.replace(/[ -]/g, '').toUpperCase();
  if (/^\d{17}[\dX]$/.test(s)) {
    const birthOk = isCalendarDate(Number(s.slice(6, 10)), Number(s.slice(10, 12)), Number(s.slice(12, 14)));
    return ID_REGION_RE.test(s) && birthOk && idCheckChar(s) === s[17];
  }
  if (/^\d{15}$/.test(s)) {
    // Legacy numbers (before 1999) carry a 2-digit birth year in the 1900s and no check digit.
    const birthOk = isCalendarDate(1900 + Number(s.slice(6, 8)), Number(s.slice(8, 10)), Number(s.slice(10, 12)));
    return ID_REGION_RE.test(s) && birthOk;
  }
  return false;
}

const ID18_RE = /(?<![0-9A-Za-z])[1-9]\d{5}[ -]?(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])[ -]?\d{3}[\dXx](?![0-9A-Za-z])/g;
const ID15_RE = /(?<![0-9A-Za-z])[1-9]\d{5}\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}(?![0-9A-Za-z])/g;

/** Unlabelled ID numbers: only valid ones, so long clinical or lab numbers are not eaten. */
function detectIdCards(text: string, ctx: Ctx, out: Candidate[]): void {
  for (const re of [ID18_RE, ID15_RE]) {
    for (const m of text.matchAll(re)) {
      if (isValidPrcIdNumber(m[0])) out.push(tagged('id_card', m.index, m.index + m[0].length, ctx));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Phones and e-mail (unlabelled)
// ---------------------------------------------------------------------------------------------

/** 11-digit mainland mobile; the boundaries keep it from matching inside longer numbers or decimals. */
const MOBILE_RE = /(?<![\w.+])(?:(?:\+|00)86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?!\w|\.\d)/g;
/** Landline with an area code (010, 02x, 0xxx); a separator or parentheses is required, bare 0-prefixed digit runs are not phones. */
const LANDLINE_RE =
  /(?<![\w.])(?:\(0(?:10|2\d|[3-9]\d{2})\)[ ]?|0(?:10|2\d|[3-9]\d{2})[ -])[2-9]\d{6,7}(?:[ ]?(?:转|ext\.?|x)[ ]?\d{1,5})?(?!\w|\.\d)/g;
const EMAIL_RE = /(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![A-Za-z])/g;

function detectPattern(text: string, re: RegExp, kind: DeidKind, ctx: Ctx, out: Candidate[]): void {
  for (const m of text.matchAll(re)) out.push(tagged(kind, m.index, m.index + m[0].length, ctx));
}

// ---------------------------------------------------------------------------------------------
// Dates
// ---------------------------------------------------------------------------------------------

/** Optional time after a date ("14:30", "T14:30:05.123+08:00"); kept as written when the date is shifted. */
const TIME = `(?:(?:T|${SP}{1,2})(?:[01]?\\d|2[0-3])[:：][0-5]\\d(?:[:：][0-5]\\d(?:\\.\\d{1,6})?)?(?:Z|[+-](?:0\\d|1[0-4]):?[0-5]\\d)?(?![\\d:]))?`;
const ZH_TIME = `(?:${SP}*(?:[01]?\\d|2[0-3])(?:[:：]|时|点)[0-5]?\\d分?(?:[:：]?[0-5]\\d秒?)?(?!\\d))?`;
const YMD_RE = new RegExp(
  `(?<![\\w./-])((?:19|20)\\d{2})([-/.])(0?[1-9]|1[0-2])\\2(0?[1-9]|[12]\\d|3[01])(?!\\d|[./-]\\d)(${TIME})`,
  'g',
);
const ZH_DATE_RE = new RegExp(
  `(?<!\\d)((?:19|20)\\d{2})${SP}*年${SP}*(0?[1-9]|1[0-2])${SP}*月${SP}*(0?[1-9]|[12]\\d|3[01])${SP}*[日号](${ZH_TIME})`,
  'g',
);
const SLASH_DATE_RE = new RegExp(
  `(?<![\\w./-])(0?[1-9]|[12]\\d|3[01])/(0?[1-9]|[12]\\d|3[01])/((?:19|20)\\d{2})(?!\\d|[./-]\\d)(${TIME})`,
  'g',
);
const MONTHS = 'jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?';
const MONTH_KEYS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const MDY_NAME_RE = new RegExp(`(?<![A-Za-z])(${MONTHS})\\.?${SP}+(0?[1-9]|[12]\\d|3[01])(?:st|nd|rd|th)?,?${SP}+((?:19|20)\\d{2})(?!\\d)`, 'gi');
const DMY_NAME_RE = new RegExp(`(?<![\\w.])(0?[1-9]|[12]\\d|3[01])(?:st|nd|rd|th)?[ \\t-]+(${MONTHS})\\.?[ \\t,-]+((?:19|20)\\d{2})(?!\\d)`, 'gi');

type RenderDate = (y: number, m: number, d: number) => string;

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** Renders a shifted date in the writer's own style (separator and zero padding) so the text still reads naturally. */
function numericStyle(order: 'ymd' | 'mdy' | 'dmy', sep: string, mRaw: string, dRaw: string): RenderDate {
  const fm = (m: number): string => (mRaw.length === 2 ? pad2(m) : String(m));
  const fd = (d: number): string => (dRaw.length === 2 ? pad2(d) : String(d));
  if (order === 'ymd') return (y, m, d) => `${y}${sep}${fm(m)}${sep}${fd(d)}`;
  if (order === 'mdy') return (y, m, d) => `${fm(m)}${sep}${fd(d)}${sep}${y}`;
  return (y, m, d) => `${fd(d)}${sep}${fm(m)}${sep}${y}`;
}

const isoStyle: RenderDate = (y, m, d) => `${y}-${pad2(m)}-${pad2(d)}`;

/**
 * The replacement for one date span. An impossible calendar date (2024-02-30) cannot be shifted,
 * so it is removed: it is still most likely a mistyped real date.
 */
function dateCandidate(start: number, end: number, ymd: [number, number, number], render: RenderDate, time: string, ctx: Ctx): Candidate {
  const [y, m, d] = ymd;
  if (ctx.dates !== 'shift' || !isCalendarDate(y, m, d)) return tagged('date', start, end, ctx);
  const t = new Date(Date.UTC(y, m - 1, d) + ctx.shiftDays * 86_400_000);
  const shifted = render(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate());
  return { kind: 'date', start, end, replacement: `${ctx.tags.date.slice(0, -1)}:${shifted}${time}]` };
}

/** "3/5/2024" is read as month/day (US order) unless the first number cannot be a month. */
function slashOrder(a: number): 'mdy' | 'dmy' {
  return a <= 12 ? 'mdy' : 'dmy';
}

function detectDates(text: string, ctx: Ctx, out: Candidate[]): void {
  for (const m of text.matchAll(YMD_RE)) {
    const render = numericStyle('ymd', m[2], m[3], m[4]);
    out.push(dateCandidate(m.index, m.index + m[0].length, [Number(m[1]), Number(m[3]), Number(m[4])], render, m[5], ctx));
  }
  for (const m of text.matchAll(ZH_DATE_RE)) {
    const [mRaw, dRaw] = [m[2], m[3]];
    const render: RenderDate = (y, mo, d) => `${y}年${mRaw.length === 2 ? pad2(mo) : mo}月${dRaw.length === 2 ? pad2(d) : d}日`;
    out.push(dateCandidate(m.index, m.index + m[0].length, [Number(m[1]), Number(mRaw), Number(dRaw)], render, m[4], ctx));
  }
  for (const m of text.matchAll(SLASH_DATE_RE)) {
    const order = slashOrder(Number(m[1]));
    const [mRaw, dRaw] = order === 'mdy' ? [m[1], m[2]] : [m[2], m[1]];
    const render = numericStyle(order, '/', mRaw, dRaw);
    out.push(dateCandidate(m.index, m.index + m[0].length, [Number(m[3]), Number(mRaw), Number(dRaw)], render, m[4], ctx));
  }
  for (const m of text.matchAll(MDY_NAME_RE)) {
    const month = MONTH_KEYS.indexOf(m[1].slice(0, 3).toLowerCase()) + 1;
    out.push(dateCandidate(m.index, m.index + m[0].length, [Number(m[3]), month, Number(m[2])], isoStyle, '', ctx));
  }
  for (const m of text.matchAll(DMY_NAME_RE)) {
    const month = MONTH_KEYS.indexOf(m[2].slice(0, 3).toLowerCase()) + 1;
    out.push(dateCandidate(m.index, m.index + m[0].length, [Number(m[3]), month, Number(m[1])], isoStyle, '', ctx));
  }
}

// ---------------------------------------------------------------------------------------------
// Ages above 89 (unlabelled)
// ---------------------------------------------------------------------------------------------

const ZH_AGE_RE = /(\d{2,3})[ \t]*(?:周岁|岁)/g;
const EN_AGE_RE = /(?<![\w.])(\d{2,3})(?:-year-old|[ \t]+years?[ \t]+old|[ \t]*y\/o|[ \t]*yo)(?![A-Za-z])|(?<![A-Za-z])aged[ \t]+(\d{2,3})(?![\w.])/gi;
/** A comparator or range before the number means a threshold ("≥90岁", "80-95岁", "超过90岁"), not a patient's age. */
const AGE_THRESHOLD_BEFORE_RE = /(?:[\d.≥≤><＞＜~～\-–—至到]|大于|超过|高于|小于|低于|年满|over|above|under|below|than)[ \t]*$/i;
const AGE_THRESHOLD_AFTER_RE = /^(?:以上|以下|及以上|及以下|以内|[ \t]*[-~～–—至到][ \t]*\d)/;

function isAgeThreshold(text: string, start: number, end: number): boolean {
  return AGE_THRESHOLD_BEFORE_RE.test(text.slice(Math.max(0, start - 6), start)) || AGE_THRESHOLD_AFTER_RE.test(text.slice(end, end + 6));
}

function detectAges(text: string, ctx: Ctx, out: Candidate[]): void {
  for (const m of text.matchAll(ZH_AGE_RE)) {
    const end = m.index + m[0].length;
    if (Number(m[1]) > 89 && !isAgeThreshold(text, m.index, end)) out.push(tagged('age', m.index, end, ctx));
  }
  for (const m of text.matchAll(EN_AGE_RE)) {
    // "aged 92": replace the number only, the verb is not identifying.
    const start = m[2] ? m.index + m[0].length - m[2].length : m.index;
    const end = m.index + m[0].length;
    if (Number(m[1] ?? m[2]) > 89 && !isAgeThreshold(text, m.index, end)) out.push(tagged('age', start, end, ctx));
  }
}

// ---------------------------------------------------------------------------------------------
// Labelled fields: "label<separator>value"
// ---------------------------------------------------------------------------------------------

type Sep = 'colon' | 'colonOrSpace' | 'optional' | 'numbered' | 'colonOrNumber' | 'none';
/** Parses a field value at `pos`; returns its end, or -1 when what follows is not such a value. */
type ValueParser = (text: string, pos: number) => number;

interface FieldRule {
  kind: DeidKind;
  sep: Sep;
  parse: ValueParser;
  labels: readonly string[];
}

const SEP_RE: Record<Sep, RegExp> = {
  colon: new RegExp(`${SP}*[:：]${SP}*`, 'y'),
  // The value follows the label directly ("患者张三，男"): its parser alone decides.
  none: /(?:)/y,
  // Table-style headers separate label and value with spaces only ("报告医师 王小明").
  colonOrSpace: new RegExp(`${SP}*[:：]${SP}*|${SP}+`, 'y'),
  // Number fields: "住院号：", "住院号 ", "住院号码", "MRN#", "Accession No.: ", or nothing at all.
  optional: new RegExp(`(?:号码|号|码|${SP}*(?:No\\.?|Number|Num\\.?)(?![A-Za-z]))?${SP}*(?:#?${SP}*[:：]|#)?${SP}*`, 'iy'),
  // Ordinary English words ("Exam", "Report", "Order") name a code only with a number mark.
  numbered: new RegExp(`${SP}*(?:No\\.?|Number|Num\\.?|#)${SP}*[:：#]?${SP}*`, 'iy'),
  colonOrNumber: new RegExp(`${SP}*(?:(?:No\\.?|Number|Num\\.?|#)${SP}*[:：#]?|[:：])${SP}*`, 'iy'),
};

// --- names ----------------------------------------------------------------------------------

/** Common surnames, used only for weak labels ("患者："), where the value might be prose. Ambiguous ones (高, 常, 平, 于 …) are left out on purpose. */
const SURNAMES = new Set(
  '王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔汤康施文牛樊葛邢齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞柳甘祝包宁尚符舒阮柯纪梅童凌毕季裴霍涂苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂佟臧闵苟邬边卞姬师仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩佘池查麻苑迟邝官封谈匡鞠惠荆冀郁胥储栗燕楚鄢劳谌奚粟冼蔺阚权帅屠朴盖廉禹祖漆巴丰卿狄晋容晁芮扈阎邸雍辜裘亓邰赫杭况宿逯隆茹诸嵇湛宾戎茅尉冶檀'.split(''),
);
const COMPOUND_SURNAMES = new Set([
  '欧阳', '司马', '上官', '诸葛', '东方', '皇甫', '尉迟', '公孙', '慕容', '长孙', '宇文', '司徒', '夏侯', '轩辕', '令狐',
  '端木', '独孤', '南宫', '西门', '呼延', '澹台', '申屠', '钟离', '闻人', '赫连', '濮阳', '淳于', '宗政', '拓跋', '万俟',
]);
/** Values that appear in name fields but are not names. */
const NAME_STOPWORDS = new Set(['男', '女', '男性', '女性', '无', '暂无', '不详', '未知', '匿名', '未填', '本人', '患者', '病人', '同上', '见上', '签名', '电子签名', '待定', '新生儿', '婴儿', '其他', '家属', '本院', '配偶', '父亲', '母亲', '子女']);
/** Characters of clinical words ("高热", "咳嗽三天"): after a weak label they mean prose, not a name. */
const CLINICAL_CHAR_RE = /[病痛热压咳嗽喘血肿瘤癌炎症术疗诊查检示见岁天周次例状结节影痰液积渗梗塞性]/;
const TITLES = '副主任医师|主任医师|主治医师|住院医师|医师|医生|大夫|主任|教授|老师|技师|护士|先生|女士';
const TITLE_SUFFIX_RE = new RegExp(`(?:${TITLES})$`);

/** Two-character names padded to table width ("张　三"), common in HIS exports. */
const PADDED_NAME_RE = new RegExp(`[${HAN}][ \\u3000]{1,2}[${HAN}](?![${HAN}])`, 'y');
/** A run of Han characters, with the middle dots of transliterated names ("买买提·艾力"). */
const HAN_RUN_RE = new RegExp(`[${HAN}](?:[${HAN}]|[·•・][${HAN}]){0,19}`, 'y');

function isPlausibleChineseName(core: string, weak: boolean, titled: boolean): boolean {
  if (NAME_STOPWORDS.has(core)) return false;
  if (/[·•・]/.test(core)) return true;
  if (core.length < (titled ? 1 : 2) || core.length > 4) return false;
  if (!weak) return true;
  const compound = COMPOUND_SURNAMES.has(core.slice(0, 2));
  if (core.length === 4 && !compound) return false;
  return (compound || SURNAMES.has(core[0])) && !CLINICAL_CHAR_RE.test(core.slice(1));
}

/** Cuts a Han run where the next header field begins ("张三性别男" → "张三"). */
function cutAtFieldLabel(run: string): string {
  const i = run.slice(1).search(FIELD_LABEL_ZH_RE);
  return i < 0 ? run : run.slice(0, i + 1);
}

function parseChineseName(text: string, pos: number, weak: boolean): number {
  PADDED_NAME_RE.lastIndex = pos;
  const padded = PADDED_NAME_RE.exec(text);
  if (padded && isPlausibleChineseName(padded[0].replace(/[ \u3000]/g, ''), weak, false)) return pos + padded[0].length;
  HAN_RUN_RE.lastIndex = pos;
  const run = HAN_RUN_RE.exec(text);
  if (!run) return -1;
  const value = cutAtFieldLabel(run[0]);
  const title = TITLE_SUFFIX_RE.exec(value)?.[0] ?? '';
  // "李医生" names a person by surname and title: the whole value goes.
  return isPlausibleChineseName(value.slice(0, value.length - title.length), weak, title !== '') ? pos + value.length : -1;
}

const EN_WORD_RE = /[A-Z][A-Za-z'’-]*\.?/y;
const EN_GAP_RE = /,?[ \t]+|,|\^/y;
const EN_TITLES = new Set(['dr', 'mr', 'mrs', 'ms', 'miss', 'prof']);
/** Words that end an English name: the next header field or a value that is not a name. */
const EN_NOT_NAME = new Set([
  'male', 'female', 'sex', 'gender', 'age', 'dob', 'mrn', 'id', 'date', 'unknown', 'anonymous', 'none', 'n/a', 'patient', 'accession',
  'phone', 'tel', 'address', 'exam', 'study', 'ward', 'bed', 'department', 'dept', 'years', 'year', 'yo', 'y',
  // credentials after a signature ("Li Wei, MD") are not part of the name
  'md', 'phd', 'mbbs', 'frcr', 'facr', 'rt', 'rn',
]);

/** A lone "M"/"F"/"U" not followed by another capitalised word is a sex marker, not a middle initial. */
function isSexMarker(text: string, word: string, end: number): boolean {
  return /^[MFU]$/.test(word) && !/^[ \t]+[A-Z]/.test(text.slice(end, end + 3));
}

/** Capitalised words ("John A. Smith", "Smith, John", "SMITH^JOHN"), stopping at the next field. */
function parseEnglishName(text: string, pos: number): number {
  let end = -1;
  let cursor = pos;
  let real = 0;
  for (let words = 0; words < 6; words++) {
    EN_WORD_RE.lastIndex = cursor;
    const w = EN_WORD_RE.exec(text);
    if (!w) break;
    const bare = w[0].replace(/\.$/, '').toLowerCase();
    const wEnd = EN_WORD_RE.lastIndex;
    if (EN_NOT_NAME.has(bare) || isSexMarker(text, w[0], wEnd) || /^[ \t]*[:：#]/.test(text.slice(wEnd, wEnd + 3))) break;
    if (!EN_TITLES.has(bare)) real++;
    end = wEnd;
    EN_GAP_RE.lastIndex = end;
    if (!EN_GAP_RE.exec(text)) break;
    cursor = EN_GAP_RE.lastIndex;
  }
  return real > 0 ? end : -1;
}

const parseStrongName: ValueParser = (text, pos) => {
  const zh = parseChineseName(text, pos, false);
  return zh > 0 ? zh : parseEnglishName(text, pos);
};
/** What may close a name written straight after a weak label: punctuation, a space, a sex, an age. */
const ADJACENT_NAME_END_RE = /[，,、；;。：:\s（(]|男|女|性别|年龄|\d/y;
/** Surnames that are also common function words after 患者 ("患者于…", "患者曾…", "患者易…"): never read as a name here. */
const ADJACENT_FUNCTION_CHARS = new Set('于曾易向从在将被对与及为因所经');
const HAN_ONLY_RE = new RegExp(`^[${HAN}]+$`);
/**
 * "患者张三，男，45岁": a weak label written straight before a name, common in report headers and case summaries.
 * Prose follows 患者 constantly ("患者出现发热"), so only a 2–3 character (compound surname: up to 4) plausible
 * name closed by punctuation, a space, a sex or an age counts.
 */
const parseAdjacentName: ValueParser = (text, pos) => {
  if (ADJACENT_FUNCTION_CHARS.has(text[pos] ?? '')) return -1;
  for (const len of [2, 3, 4]) {
    const core = text.slice(pos, pos + len);
    if (core.length < len || !HAN_ONLY_RE.test(core)) return -1;
    ADJACENT_NAME_END_RE.lastIndex = pos + len;
    if (ADJACENT_NAME_END_RE.test(text) && isPlausibleChineseName(core, true, false)) return pos + len;
  }
  return -1;
};
const parseWeakName: ValueParser = (text, pos) => {
  const zh = parseChineseName(text, pos, true);
  return zh > 0 ? zh : parseEnglishName(text, pos);
};

/** "Exam Name:", "Drug Name:" … label things, not people. */
const NOT_PERSON_BEFORE_NAME = new Set([
  'exam', 'study', 'procedure', 'protocol', 'series', 'drug', 'device', 'institution', 'hospital', 'department', 'file', 'product', 'brand',
  'generic', 'test', 'sequence', 'model', 'station', 'manufacturer', 'body', 'part', 'scan', 'contrast', 'medication', 'facility', 'site',
  'center', 'centre', 'organization', 'company', 'report', 'template', 'field', 'code', 'display', 'host', 'user',
]);

function isPersonNameLabel(text: string, labelStart: number): boolean {
  const before = /([A-Za-z]+)[ \t]*$/.exec(text.slice(Math.max(0, labelStart - 24), labelStart));
  return !before || !NOT_PERSON_BEFORE_NAME.has(before[1].toLowerCase());
}

// --- numbers and codes ------------------------------------------------------------------------

const CODE_RE = /[A-Za-z0-9](?:[A-Za-z0-9_./-]*[A-Za-z0-9])?/y;

/** A record or exam code: alphanumeric with at least one digit ("ZY2024001234", "CT-24-0017"). */
const parseCode: ValueParser = (text, pos) => {
  CODE_RE.lastIndex = pos;
  const m = CODE_RE.exec(text);
  return m && m[0].length >= 2 && /\d/.test(m[0]) ? pos + m[0].length : -1;
};

/** After an ID label anything ID-shaped goes, including invalid and masked numbers ("110101********1234"). */
const ID_VALUE_RE = /[0-9*＊](?:[ -]?[0-9Xx*＊]){5,17}/y;
const parseIdValue: ValueParser = (text, pos) => {
  ID_VALUE_RE.lastIndex = pos;
  return ID_VALUE_RE.exec(text) ? ID_VALUE_RE.lastIndex : -1;
};

/** Spaces only right after an area code, so a following field's number ("… 12床") is not swallowed. */
const PHONE_VALUE_RE = /\+?\(?\d{2,4}\)?[ -]?(?:-?\d){5,12}(?:[ ]?(?:转|ext\.?|x)[ ]?\d{1,5})?(?!\d)/y;
const parsePhoneValue: ValueParser = (text, pos) => {
  PHONE_VALUE_RE.lastIndex = pos;
  return PHONE_VALUE_RE.exec(text) ? PHONE_VALUE_RE.lastIndex : -1;
};

const AGE_VALUE_RE = /(\d{1,3})(?:[ \t]*(?:周岁|岁|years?(?:[ \t]+old)?|yrs?|[Yy](?![A-Za-z])))?/y;
const parseAgeValue: ValueParser = (text, pos) => {
  AGE_VALUE_RE.lastIndex = pos;
  const m = AGE_VALUE_RE.exec(text);
  return m && Number(m[1]) > 89 ? AGE_VALUE_RE.lastIndex : -1;
};

/** Birth dates without a day ("1950年3月", "1950-03", "03/1950"): full dates are found everywhere anyway. */
const PARTIAL_DOB_RE =
  /(?:19|20)\d{2}(?:[ \t]*年[ \t]*(?:0?[1-9]|1[0-2])[ \t]*月(?![ \t]*\d)|[-/.](?:0?[1-9]|1[0-2])(?!\d|[-/.]\d))|(?:0?[1-9]|1[0-2])\/(?:19|20)\d{2}(?!\d)/y;
const parsePartialDob: ValueParser = (text, pos) => {
  PARTIAL_DOB_RE.lastIndex = pos;
  return PARTIAL_DOB_RE.exec(text) ? PARTIAL_DOB_RE.lastIndex : -1;
};

/** An address runs to the end of the line or field; addresses are never longer than this. */
const MAX_ADDRESS = 200;
const parseAddress: ValueParser = (text, pos) => {
  const window = text.slice(pos, pos + MAX_ADDRESS);
  const stop = window.search(ADDRESS_STOP_RE);
  const value = (stop < 0 ? window : window.slice(0, stop)).replace(/[\s,，、。;；]+$/, '');
  return value.length >= 2 && !value.startsWith('[') ? pos + value.length : -1;
};

// --- the rule table ---------------------------------------------------------------------------

const RULES: readonly FieldRule[] = [
  {
    kind: 'name',
    sep: 'colonOrSpace',
    parse: parseStrongName,
    labels: [
      '姓名', '患者姓名', '病人姓名', '受检者姓名', '被检者姓名', '家属姓名', '申请医生', '申请医师', '申请者', '送检医生', '送检医师',
      '开单医生', '开单医师', '临床医生', '临床医师', '主治医生', '经治医生', '管床医生', '报告医生', '报告医师', '报告者', '报告人',
      '审核医生', '审核医师', '审核者', '审核人', '复核医生', '复核医师', '诊断医生', '诊断医师', '书写医师', '检查医生', '检查医师',
      '检查技师', '操作技师', '操作者', '技师', '记录者', '记录人', '签名', '医师签名', '医生签名', '联系人', '监护人',
    ],
  },
  {
    kind: 'name',
    sep: 'colon',
    parse: parseStrongName,
    labels: [
      'Name', 'Patient Name', "Patient's Name", 'Full Name', 'Referring Physician', 'Referring Doctor', 'Ordering Physician',
      'Requesting Physician', 'Attending Physician', 'Performing Physician', 'Physician', 'Radiologist', 'Reporting Radiologist',
      'Reported By', 'Read By', 'Dictated By', 'Signed By', 'Verified By', 'Approved By', 'Technologist', 'Technician', 'Operator',
    ],
  },
  // Weak labels: also used in prose ("患者：男，65岁"), so the value must look like a name.
  { kind: 'name', sep: 'colon', parse: parseWeakName, labels: ['患者', '病人', '受检者', '被检者', '患儿', 'Patient'] },
  { kind: 'name', sep: 'none', parse: parseAdjacentName, labels: ['患者', '病人', '受检者', '被检者', '患儿'] },
  {
    kind: 'id_card',
    sep: 'optional',
    parse: parseIdValue,
    labels: ['身份证', '身份证号', '公民身份号码', '身份号码', '证件号', 'ID Card', 'National ID', 'Resident ID', 'Citizen ID'],
  },
  {
    kind: 'phone',
    sep: 'optional',
    parse: parsePhoneValue,
    labels: [
      '电话', '联系电话', '手机', '手机号', '移动电话', '固定电话', '座机', '联系方式', '家属电话', '紧急联系电话',
      'Tel', 'Telephone', 'Phone', 'Mobile', 'Cell', 'Contact', 'Fax',
    ],
  },
  {
    kind: 'mrn',
    sep: 'optional',
    parse: parseCode,
    labels: [
      '病历号', '病案号', '住院号', '门诊号', '急诊号', '就诊号', '就诊卡号', '诊疗卡号', '卡号', '医保号', '医保卡号', '登记号', 'ID号',
      '患者ID', '病人ID', '患者编号', '病人编号', 'MRN', 'Medical Record Number', 'Patient ID', 'PID', 'Hospital Number',
    ],
  },
  { kind: 'mrn', sep: 'colonOrNumber', parse: parseCode, labels: ['ID'] },
  { kind: 'mrn', sep: 'numbered', parse: parseCode, labels: ['Medical Record', 'Record', 'Chart', 'Hospital', 'Inpatient', 'Outpatient', 'Patient'] },
  {
    kind: 'accession',
    sep: 'optional',
    parse: parseCode,
    labels: [
      '检查号', '影像号', '放射号', '片号', 'X线号', 'CT号', 'MR号', 'MRI号', '申请单号', '检查单号', '条码号', '流水号', '检查流水号',
      '报告编号', '报告号', 'Accession', 'Study ID',
    ],
  },
  { kind: 'accession', sep: 'numbered', parse: parseCode, labels: ['Acc', 'Exam', 'Study', 'Order', 'Requisition', 'Report'] },
  { kind: 'age', sep: 'optional', parse: parseAgeValue, labels: ['年龄', 'Age'] },
  {
    kind: 'date',
    sep: 'optional',
    parse: parsePartialDob,
    labels: ['出生日期', '出生年月', '出生年月日', '生日', 'DOB', 'D.O.B.', 'Date of Birth', 'Birth Date', 'Birthdate'],
  },
  {
    kind: 'address',
    sep: 'colonOrSpace',
    parse: parseAddress,
    labels: ['住址', '地址', '家庭住址', '现住址', '户籍地址', '通讯地址', '联系地址', '居住地址', '家庭地址', '户口地址'],
  },
  { kind: 'address', sep: 'colon', parse: parseAddress, labels: ['Address', 'Home Address', 'Addr'] },
];

/** Header fields that are not identifiers but end the value before them (names, addresses). */
const OTHER_FIELD_LABELS = [
  '性别', '年龄', '科室', '病区', '床号', '床位', '民族', '职业', '婚姻', '籍贯', '国籍', '邮编', '邮政编码', '检查日期', '检查时间', '报告日期',
  '报告时间', '申请日期', '检查项目', '检查部位', '检查方法', '检查类型', '设备', '临床诊断', '临床资料', '临床病史', '影像所见', '影像表现',
  '诊断意见', '检查所见', '印象', 'Sex', 'Gender', 'Age', 'Date', 'Ward', 'Bed', 'Modality', 'Indication', 'History', 'Findings', 'Impression',
];

const isCjk = (label: string): boolean => /[^\x00-\x7f]/.test(label);
const byLengthDesc = (a: string, b: string): number => b.length - a.length;
/** Spaces inside multi-word English labels may be any run of horizontal space. */
const labelPattern = (label: string): string => escapeRe(label).replace(/ /g, `${SP}+`);
const normalizeLabel = (label: string): string => label.toLowerCase().replace(/[ \t\u3000]+/g, ' ');

/** A label may open several kinds of field ("Patient: John Smith", "Patient No.: 123"); rules are tried in table order. */
const RULES_BY_LABEL = new Map<string, FieldRule[]>();
for (const rule of RULES) {
  for (const label of rule.labels) {
    const key = normalizeLabel(label);
    RULES_BY_LABEL.set(key, [...(RULES_BY_LABEL.get(key) ?? []), rule]);
  }
}
const ALL_LABELS = [...new Set([...RULES.flatMap((r) => r.labels), ...OTHER_FIELD_LABELS])];
const ZH_LABELS = ALL_LABELS.filter(isCjk).sort(byLengthDesc);
const EN_LABELS = ALL_LABELS.filter((l) => !isCjk(l)).sort(byLengthDesc);
const ZH_ALT = ZH_LABELS.map(labelPattern).join('|');
const EN_ALT = EN_LABELS.map(labelPattern).join('|');

/** Longest label first, so "患者姓名" wins over "患者" and "Patient ID" over "Patient"; Chinese first, so "ID号" wins over "ID". */
const LABEL_RE = new RegExp(`(?:${ZH_ALT})|(?<![A-Za-z])(?:${EN_ALT})(?![A-Za-z])`, 'gi');
/** Where a name run is cut; titles that are also labels ("王技师") are not cut points. */
const FIELD_LABEL_ZH_RE = new RegExp(ZH_LABELS.filter((l) => !new RegExp(`^(?:${TITLES})$`).test(l)).map(labelPattern).join('|'));
const ADDRESS_STOP_RE = new RegExp(
  `[\\r\\n\\t|；;]|[ \\u3000]{2,}|[,，、]?${SP}*(?:(?<![A-Za-z])(?:${EN_ALT})|${ZH_ALT})${SP}*(?:号码|号)?${SP}*[:：]`,
  'i',
);

/** The value span of one field opened by `rule` at `labelEnd`, or null. */
function parseField(text: string, labelEnd: number, rule: FieldRule): [number, number] | null {
  const sep = SEP_RE[rule.sep];
  sep.lastIndex = labelEnd;
  if (!sep.exec(text)) return null;
  const start = sep.lastIndex;
  const end = rule.parse(text, start);
  return end > start ? [start, end] : null;
}

function detectLabelledFields(text: string, ctx: Ctx, out: Candidate[]): void {
  LABEL_RE.lastIndex = 0;
  for (let m = LABEL_RE.exec(text); m; m = LABEL_RE.exec(text)) {
    const key = normalizeLabel(m[0]);
    if (key === 'name' && !isPersonNameLabel(text, m.index)) continue;
    for (const rule of RULES_BY_LABEL.get(key) ?? []) {
      if (rule.kind === 'date' && ctx.dates === 'keep') continue;
      const span = parseField(text, m.index + m[0].length, rule);
      if (span) {
        out.push(tagged(rule.kind, span[0], span[1], ctx));
        break;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Resolution and rewriting
// ---------------------------------------------------------------------------------------------

/** Our own tags, in both languages (with a shifted date inside the date tags): never re-detected, which makes a second pass a no-op. */
const TAG_RE = new RegExp(
  `\\[(?:${[...new Set(Object.values(DEID_TAGS).flatMap((t) => Object.values(t)))]
    .map((t) => escapeRe(t.slice(1, -1)))
    .join('|')})(?::[^\\]\\n]{1,40})?\\]`,
  'g',
);

/** Ties at the same span go to the more specific detector. */
const KIND_RANK: Record<DeidKind, number> = { id_card: 0, phone: 1, email: 2, mrn: 3, accession: 4, name: 5, address: 6, date: 7, age: 8 };

function byPosition(a: Candidate, b: Candidate): number {
  return a.start - b.start || b.end - a.end || KIND_RANK[a.kind] - KIND_RANK[b.kind];
}

/**
 * Drops candidates inside our own tags and merges overlaps into one span (an address containing a
 * phone, a date inside an accession code): overlapping spans are replaced as a whole so no
 * fragment of either value survives; the longer value decides the tag.
 */
function resolve(candidates: Candidate[], text: string, ctx: Ctx): Candidate[] {
  const protectedSpans = [...text.matchAll(TAG_RE)].map((m) => [m.index, m.index + m[0].length] as const);
  candidates.sort(byPosition);
  const kept: Candidate[] = [];
  let p = 0;
  for (const c of candidates) {
    while (p < protectedSpans.length && protectedSpans[p][1] <= c.start) p++;
    if (p < protectedSpans.length && protectedSpans[p][0] < c.end) continue;
    const last = kept.at(-1);
    if (!last || c.start >= last.end) {
      kept.push({ ...c });
    } else if (c.end > last.end) {
      const kind = c.end - c.start > last.end - last.start ? c.kind : last.kind;
      Object.assign(last, { kind, end: c.end, replacement: ctx.tags[kind] });
    }
  }
  return kept;
}

function rewrite(text: string, spans: readonly Candidate[]): string {
  const parts: string[] = [];
  let cursor = 0;
  for (const s of spans) {
    parts.push(text.slice(cursor, s.start), s.replacement);
    cursor = s.end;
  }
  parts.push(text.slice(cursor));
  return parts.join('');
}

/**
 * Replaces personal identifiers in radiology text (see the module comment for exactly what is
 * and is not detected). Use it on every text that leaves for an LLM, an export or a log.
 *
 * @param text   report, prompt or log text
 * @param policy date handling, per-patient shift key, tag language
 * @returns the rewritten text and one finding per replaced span, with offsets into `text`
 * @throws AppError VALIDATION_FAILED for an unusable policy (shift without a key, empty key)
 */
export function deidentify(text: string, policy?: DeidPolicy): DeidResult {
  const ctx = resolvePolicy(policy);
  const candidates: Candidate[] = [];
  detectLabelledFields(text, ctx, candidates);
  detectIdCards(text, ctx, candidates);
  detectPattern(text, MOBILE_RE, 'phone', ctx, candidates);
  detectPattern(text, LANDLINE_RE, 'phone', ctx, candidates);
  detectPattern(text, EMAIL_RE, 'email', ctx, candidates);
  if (ctx.dates !== 'keep') detectDates(text, ctx, candidates);
  detectAges(text, ctx, candidates);
  const findings = resolve(candidates, text, ctx);
  return { text: rewrite(text, findings), findings };
}
