import type { EntityType, LexiconEntry } from '../../../core/index.ts';
import type { LocalMention } from './sentence-view.ts';

/**
 * Lists that share a head or a result word, as textbooks write them:
 * - a shared head: "分为机械性、动力性和血运性肠梗阻" names 机械性肠梗阻, 动力性肠梗阻 and 血运性肠梗阻;
 *   the bare modifiers (机械性) are no mentions of their own, so each becomes modifier + the last item's head;
 * - a shared result: "结肠充气试验、腰大肌试验和闭孔内肌试验阳性" says each test is positive, so each test
 *   becomes the finding "<test>阳性".
 * Only lists joined by 、/和/及/或/与 inside one clause are read.
 */

/** A modifier that only makes sense with a head after it (机械性, 肌壁间, 2型). */
const MODIFIER = /^[\u4e00-\u9fffA-Za-z0-9]{1,5}[性型]$/;
const JOIN = /^(?:、|和|及|或|与|以及|或者)$/;
/** Result words written once after a list of tests (阳性 after three tests). */
const RESULT = /(?:阳性|阴性|升高|增高|降低|减低|异常)$/;

interface Tools {
  lookup: (surface: string) => LexiconEntry | undefined;
}

/** The list items (modifiers and mentions) of a sentence, extended by a shared head or result word. */
export function distributeListHeads(text: string, mentions: LocalMention[], tools: Tools): LocalMention[] {
  const out = [...mentions];
  for (let i = 0; i < out.length; i++) {
    const last = out[i];
    if (last.pronoun || last.implicit || !last.type) continue;
    // Shared result word: items before a "<test>阳性" mention that are tests of their own.
    const result = RESULT.exec(last.text)?.[0];
    if (result && (last.type === 'Finding' || last.type === 'Sign')) {
      for (const m of itemsBefore(text, out, i)) {
        if (m.type !== 'Exam' || !/(?:试验|征|反射)$/.test(m.text)) break;
        const k = out.indexOf(m);
        out[k] = { ...m, text: `${m.text}${result}`, type: last.type, open: true, entry: undefined };
      }
    }
  }
  // Shared head: bare modifiers before "<modifier><head>".
  const added: LocalMention[] = [];
  for (const last of out) {
    if (last.pronoun || last.implicit || !last.type || last.type === 'Anatomy') continue;
    const cut = /^[\u4e00-\u9fffA-Za-z0-9]{1,5}?[性型]/.exec(last.text);
    if (!cut || cut[0].length >= last.text.length - 1) continue;
    const head = last.text.slice(cut[0].length);
    let at = last.start;
    for (;;) {
      const join = /(?:、|和|及|或|与)$/.exec(text.slice(Math.max(0, at - 2), at));
      if (!join) break;
      const before = text.slice(0, at - join[0].length);
      const found = /[\u4e00-\u9fffA-Za-z0-9]{1,3}[性型]$/.exec(before)?.[0];
      // A verb or list word glued before the modifier (分为机械性) is not part of it.
      const mod = found?.replace(/^(?:的|分为|分成|包括|为|是|有|按|及|和|或|与)+/, '');
      if (!mod || !MODIFIER.test(mod) || mod.length < 2) break;
      const start = before.length - mod.length;
      if (out.some((m) => m.start < before.length && m.end > start)) break;
      const name = `${mod}${head}`;
      const entry = tools.lookup(name);
      added.push({ start, end: before.length, text: name, type: entry ? entry.type : (last.type as EntityType), open: !entry, ...(entry ? { entry } : {}), clause: last.clause });
      at = start;
    }
  }
  return added.length ? [...out, ...added].sort((a, b) => a.start - b.start) : out;
}

/** The mentions joined to mention `i` by list words only, nearest first. */
function itemsBefore(text: string, mentions: readonly LocalMention[], i: number): LocalMention[] {
  const items: LocalMention[] = [];
  let right = mentions[i];
  for (let k = i - 1; k >= 0; k--) {
    const m = mentions[k];
    if (m.implicit || m.clause !== right.clause || !JOIN.test(text.slice(m.end, right.start))) break;
    items.push(m);
    right = m;
  }
  return items;
}

/**
 * Types that name the same kind of thing for coordination: a sign and a finding both describe how a disease
 * shows. Not diseases: a list of causes mixes diseases with habits and exposures (胆石症、大量饮酒).
 */
const KIND_OF: Partial<Record<EntityType, string>> = { Finding: 'Finding', Sign: 'Finding', Drug: 'Drug', Treatment: 'Treatment', Procedure: 'Procedure', Exam: 'Exam', Modality: 'Exam' };

/** Wording right before a list of what a patient shows. */
const SHOWS = /(?:出现|表现为|伴有?|可有|常有|多有|均有|(?:症状|体征)(?:有|为|包括))\s*$/;

/**
 * Items of one list are things of one kind ("出现奇脉、呼吸困难、心动过速", "嗜睡、惊厥"): a phrase with no
 * known head takes the type its typed neighbours in the list share. Lists of mixed kinds, and items the
 * lexicon or a head word already types, are left alone.
 */
export function coordinateTypes(text: string, mentions: LocalMention[]): LocalMention[] {
  if (!mentions.some((m) => m.open && !m.type && !m.pronoun)) return mentions;
  const out = [...mentions];
  let i = 0;
  while (i < out.length) {
    let j = i;
    while (j + 1 < out.length && !out[j].implicit && !out[j + 1].implicit && out[j + 1].clause === out[j].clause && JOIN.test(text.slice(out[j].end, out[j + 1].start).trim())) j++;
    if (j > i) {
      const run = out.slice(i, j + 1);
      const kinds = new Set(run.filter((m) => m.type && !m.pronoun).map((m) => KIND_OF[m.type as EntityType] ?? 'other'));
      const typed = run.find((m) => m.type && !m.pronoun);
      if (kinds.size === 1 && typed && !kinds.has('other')) {
        for (let k = i; k <= j; k++) if (out[k].open && !out[k].type && !out[k].pronoun) out[k] = { ...out[k], type: typed.type === 'Modality' ? 'Exam' : typed.type };
      } else if (!kinds.size && run.every((m) => m.open && !m.pronoun) && SHOWS.test(text.slice(Math.max(0, (out[i - 1]?.end ?? 0)), out[i].start))) {
        // A list of headless phrases right after what a patient shows (出现嗜睡、惊厥) is a list of findings.
        for (let k = i; k <= j; k++) out[k] = { ...out[k], type: 'Finding' };
      }
    }
    i = j + 1;
  }
  return out;
}
