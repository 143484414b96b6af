import * as OpenCC from 'opencc-js/t2cn';

/**
 * Compatibility characters folded to their ordinary form: Kangxi radicals and CJK radical supplements
 * (Chromium-printed PDFs emit ⻅⼀⼤ for 见一大), CJK compatibility ideographs, full-width Latin letters
 * and digits, and ligatures. Full-width Chinese punctuation (，。（）) is deliberately kept: whole-text
 * NFKC would turn it into ASCII and change how passages read.
 */
const COMPAT = /[⺀-⿟豈-﫿０-９Ａ-Ｚａ-ｚﬀ-ﬆ]/g;

/**
 * CJK Radicals Supplement code points that PDF text extraction yields for whole characters (the
 * font's glyph maps back to the radical): NFKC leaves these alone, so they are mapped by hand to
 * the ideograph they stand for in running simplified-Chinese text.
 */
const RADICAL_SUPPLEMENT: Record<string, string> = {
  '⺠': '民', '⺩': '王', '⺝': '月', '⺜': '日', '⻄': '西', '⻅': '见', '⻆': '角', '⻉': '贝', '⻋': '车', '⻓': '长',
  '⻔': '门', '⻘': '青', '⻙': '韦', '⻚': '页', '⻛': '风', '⻜': '飞', '⻝': '食', '⻢': '马', '⻣': '骨', '⻤': '鬼',
  '⻥': '鱼', '⻦': '鸟', '⻧': '卤', '⻨': '麦', '⻩': '黄', '⻪': '黾', '⻬': '齐', '⻮': '齿', '⻰': '龙', '⻳': '龟',
  '⻗': '雨', '⻊': '足', '⺮': '竹', '⻈': '讠', '⻐': '钅', '⻠': '饣', '⺰': '纟',
};

/** Any character normalizeText's replacements change (COMPAT's ranges and the ones it rewrites or drops). */
const NEEDS_FOLDING = /[⺀-⿟豈-﫿０-９Ａ-Ｚａ-ｚﬀ-ﬆ\r\u00a0\u2000-\u200b\u3000\u0000-\u0008\u000b\u000e-\u001f\u007f]/;

/** Text normalisation shared by ingestion, indexing and querying, so a PDF and its Markdown twin index identically. */
export function normalizeText(text: string): string {
  const nfc = text.normalize('NFC');
  // Most text needs none of the replacements below: one scan instead of four (ingest normalises every
  // PDF line and every chunk, the tokenizer every text it reads; 7 % of a PDF parse's CPU profile).
  if (!NEEDS_FOLDING.test(nfc)) return nfc;
  return nfc
    .replace(COMPAT, (c) => RADICAL_SUPPLEMENT[c] ?? c.normalize('NFKC'))
    .replace(/\r\n?/g, '\n')
    .replace(/[\u00a0\u2000-\u200b\u3000]/g, ' ')
    .replace(/[\u0000-\u0008\u000b\u000e-\u001f\u007f]/g, '');
}

let t2cnConverter: ((s: string) => string) | null = null;

function t2cn(text: string): string {
  const convert = t2cnConverter ?? OpenCC.Converter({ from: 't', to: 'cn' });
  t2cnConverter = convert;
  return convert(text);
}

/**
 * The form text is searched in (never shown): normalised, NFKC (full-width forms folded), traditional
 * characters mapped to simplified (OpenCC t→cn, so 肺結節隨訪 finds 肺结节随访), lower case. Index and
 * query both pass through it, so they always agree.
 */
export function foldForSearch(text: string): string {
  return t2cn(normalizeText(text).normalize('NFKC')).toLowerCase();
}

/** Form used for dictionary look-ups: normalised, lower case, hyphens/underscores/slashes as spaces. */
export function surfaceKey(text: string): string {
  return normalizeText(text).normalize('NFKC').toLowerCase().replace(/[-_/]+/g, ' ').replace(/\s+/g, ' ').trim();
}

const CJK = /[\u3400-\u9fff\uf900-\ufaff]/g;

/** 'zh' when CJK characters are at least 20% of letters, else 'en'. */
export function detectLanguage(text: string): 'zh' | 'en' {
  const sample = text.slice(0, 20000);
  const cjk = sample.match(CJK)?.length ?? 0;
  const latin = sample.match(/[A-Za-z]/g)?.length ?? 0;
  if (cjk === 0 && latin === 0) return 'zh';
  return cjk / (cjk + latin / 4) >= 0.2 ? 'zh' : 'en';
}

export function isCjkChar(ch: string): boolean {
  const c = ch.codePointAt(0) ?? 0;
  return (c >= 0x3400 && c <= 0x9fff) || (c >= 0xf900 && c <= 0xfaff);
}

/** Count of "characters" as a reader sees them: CJK chars + Latin words, used for chunk sizing. */
export function visibleLength(text: string): number {
  return text.replace(/\s+/g, '').length;
}
