import type { LocalMention } from './sentence-view.ts';

/**
 * The kinds a division names by their differentia alone — "本病分为叶内型和叶外型", "分为遗传性和继发性两类",
 * "按损伤类型分为肝细胞损伤型、胆汁淤积型和混合型" — are diseases (subtypes of what is divided), though no
 * head word says so. A kind followed by a shared head (机械性、动力性和血运性肠梗阻) is left to the list heads.
 */
const DIVIDED = /(?:分为|分成)/g;
/** A bare kind: a short differentia ending in 型 or 性 (Ⅰ型, 叶内型, 遗传性). */
const KIND = /^[\u4e00-\u9fffA-Za-z0-9Ⅰ-Ⅻ]{1,8}[型性]$/;
const COUNT_WORD = /(?:[两二三四五六七八九十几多]|[0-9]+)(?:大)?(?:类|型|种|个亚型|种类型)$/;

export function divisionKinds(text: string, mentions: LocalMention[], clauseOf: (at: number) => number): LocalMention[] {
  let out = mentions;
  for (const m of text.matchAll(DIVIDED)) {
    const from = (m.index ?? 0) + m[0].length;
    const stop = text.slice(from).search(/[，,。；;：:（(]/);
    const end = stop < 0 ? text.length : from + stop;
    let list = text.slice(from, end);
    list = list.replace(COUNT_WORD, '').replace(/等$/, '');
    let at = from;
    for (const part of list.split(/(、|和|及|与|或)/)) {
      const start = at;
      at += part.length;
      if (!KIND.test(part) || /^(?:、|和|及|与|或)$/.test(part)) continue;
      const stop = start + part.length;
      const overlapping = out.filter((x) => x.start < stop && x.end > start);
      // A name already found there (a lexicon name, a typed phrase) stays as it is.
      if (overlapping.some((x) => !x.open || x.pronoun || (x.type && x.type !== 'Disease') || x.start < start || x.end > stop)) continue;
      const kind: LocalMention = { start, end: stop, text: part, type: 'Disease', open: true, clause: clauseOf(start) };
      out = [...out.filter((x) => !overlapping.includes(x)), kind].sort((a, b) => a.start - b.start);
    }
  }
  return out;
}
