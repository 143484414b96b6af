import type { SynonymProposal } from '../../model.ts';
import type { LocalMention, SentenceView } from './sentence-view.ts';

/**
 * Synonyms a sentence states, as vocabulary proposals: "X又称Y", "X，也称Y", "X简称Y", "X俗称Y",
 * "X即Y", "X，英文缩写为Y", and "X（Y）" with an abbreviation, an English name or 又称Y inside the
 * brackets. When the cue follows a comma, X is the sentence's subject ("…溃疡，也称胃十二指肠溃疡").
 */

const CUE = /(?:通常|亦|也|又|或)?(?:称为|称之为|称作|称|叫做|名为)|(?:简称|俗称|又名|别名|英文缩写为|英文简称|缩写为|简写为)(?:为)?|即(?!所谓|可|是|为|使|刻|出现|发生|有|行|应|需|予|给|开始)/g;
const CUE_EN = /,?\s*(?:also (?:known|called|referred to) as|abbreviated (?:as|to)|or simply)\s+/gi;
/** A cue of the bare 称 family only names a synonym with 也/又/亦 before it; "称为X" alone defines a term. */
const PLAIN_CALL = /^(?:称为|称之为|称作|称|叫做|名为)$/;

/** The alias: a name up to the next punctuation or verb. */
const ALIAS_ZH = /^[“"「]?([\u3400-\u9fffA-Za-z0-9αβγⅠ-Ⅻ\-·/]{1,30}?)[”"」]?(?=$|[，,。；;：:、（(）)]|是|为|的|，|多|常|可|主要|系)/;
const ALIAS_EN = /^([A-Za-z][A-Za-z0-9\- ]{0,60}?[A-Za-z0-9])(?=\s*(?:$|[,.;:()])|\s+(?:is|are|was)\b)/;
/** Bracket contents that read as an abbreviation or foreign name (SAP, GERD, Koplik斑, acute pancreatitis). */
const BRACKET_NAME = /^(?:(?:又称|也称|亦称|简称|俗称|即)\s*)?([A-Za-z][A-Za-z0-9\-+ ']{0,40}[A-Za-z0-9]?[\u3400-\u9fff]{0,3}|[\u3400-\u9fff]{2,20})$/;
/** Bracket contents that are not names: lists, numbers, references, examples. */
const NOT_A_NAME = /[、，,；;]|\d+\s*(?:%|％|小时|天|周|岁|cm|mm)|^(?:如|例如|包括|见|详见|图|表|注|即)/;
/** Specimen words before an analyte are not part of its name (血清前列腺特异性抗原（PSA）). */
const SPECIMEN = /^(?:血清|血浆|全血|外周血|尿液?|脑脊液)(?=[\u3400-\u9fffA-Za-z]{2})/;

export function findSynonyms(view: SentenceView, topic: LocalMention | null): SynonymProposal[] {
  const out: SynonymProposal[] = [];
  const add = (term: LocalMention | null | undefined, alias: string, cue: string) => {
    const t = resolve(term, topic);
    const a = alias.trim();
    if (!t || !a || a === t.text || a.length > 40) return;
    const text = t.text.replace(SPECIMEN, '');
    if (out.some((o) => o.term.text === text && o.alias === a)) return;
    out.push({
      term: { text: text.slice(0, 80), entityId: t.entry && text === t.text ? t.entry.id : null, type: t.type },
      alias: a,
      cue,
      quote: view.text,
      quoteStart: view.offset,
      quoteEnd: view.offset + view.text.length,
    });
  };
  const cueRe = view.lang === 'zh' ? CUE : CUE_EN;
  // English cue words may sit inside a noun phrase the finder read ("known"): match them on the text.
  for (const m of (view.lang === 'zh' ? view.masked : view.text).matchAll(cueRe)) {
    const at = m.index ?? 0;
    const cue = m[0].replace(/^[,\s]+|\s+$/g, '');
    if (view.lang === 'zh' && PLAIN_CALL.test(cue)) continue;
    const rest = view.text.slice(at + m[0].length);
    const alias = (view.lang === 'zh' ? ALIAS_ZH : ALIAS_EN).exec(rest)?.[1];
    if (!alias) continue;
    // "also known as A or B": each is an alias.
    const aliases = view.lang === 'zh' ? [alias] : alias.split(/\s+or\s+/);
    for (const a of aliases) add(termBefore(view, at, cue.startsWith('即')), a, cue.replace(/为$/, '').slice(0, 10));
  }
  for (const m of view.text.matchAll(/[（(]([^（）()]{1,44})[）)]/g)) {
    const inner = m[1].trim();
    if (NOT_A_NAME.test(inner)) continue;
    const name = BRACKET_NAME.exec(inner)?.[1];
    if (!name) continue;
    // A Chinese name in brackets is a synonym only when a cue says so (又称…); plain Chinese glosses often are not.
    if (!/[A-Za-z]/.test(name) && !/^(?:又称|也称|亦称|简称|俗称|即)/.test(inner)) continue;
    const at = m.index ?? 0;
    const term = view.mentions.find((x) => x.end === at || (x.end === at - 1 && /\s/.test(view.text[at - 1])));
    add(term, name, '括号');
  }
  return out;
}

/** The name a cue at `at` explains: the mention right before it, or after a comma the sentence's subject. */
function termBefore(view: SentenceView, at: number, adjacentOnly: boolean): LocalMention | undefined {
  const before = view.text.slice(0, at);
  const direct = view.mentions.filter((x) => x.end <= at && /^\s*(?:[（(][^）)]*[）)])?\s*(?:通常|也|又|亦)?$/.test(view.text.slice(x.end, at))).at(-1);
  if (direct || adjacentOnly) return direct;
  if (!/[，,]\s*(?:通常|也|又|亦)?$/.test(before)) return undefined;
  const first = view.mentions[0];
  return first && first.start <= 1 ? first : undefined;
}

function resolve(m: LocalMention | null | undefined, topic: LocalMention | null): LocalMention | null {
  if (!m) return null;
  if (m.pronoun) return topic;
  return m;
}
