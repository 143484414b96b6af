import type { Lexicon } from '../core/index.ts';
import { GLOSSARY } from './glossary.ts';

/** An English word or phrase of the query and the Chinese words that say the same. */
export interface Translation {
  /** The English words as they stand in the folded query (`follow up`, `first line imaging`). */
  source: string;
  /** The Chinese that says the same (随访, 首选检查). */
  target: string[];
}

/** Longest English phrase looked up (lexicon names and glossary keys). */
const MAX_PHRASE = 4;
/** Chinese names of one entity added to a query: its preferred name (the entity lexeme already matches every alias the text writes). */
const NAMES_PER_ENTITY = 1;
const CJK_ONLY = /^[\u3400-\u9fff]+$/;
/** Written in capitals (two or more) and digits: an abbreviation or code. */
const CODE = /^(?=(?:[^A-Z]*[A-Z]){2})[A-Z0-9][A-Za-z0-9 .+-]*$/;

const glossary = new Map<string, string[]>(Object.entries(GLOSSARY).map(([en, zh]) => [keyOf(en), zh]));

function keyOf(phrase: string): string {
  return phrase.toLowerCase().replace(/[-_/]+/g, ' ').replace(/\s+/g, ' ').trim();
}

/** English plurals and verb forms folded to a glossary key (metastases → metastasis, suggests → suggest). */
function variants(word: string): string[] {
  const out = [word];
  if (word.endsWith('ies')) out.push(`${word.slice(0, -3)}y`);
  if (word.endsWith('ses')) out.push(`${word.slice(0, -2)}is`);
  if (word.endsWith('es')) out.push(word.slice(0, -2));
  if (word.endsWith('s') && !word.endsWith('ss')) out.push(word.slice(0, -1));
  if (word.endsWith('ed')) out.push(word.slice(0, -2), word.slice(0, -1));
  if (word.endsWith('ing')) out.push(word.slice(0, -3), `${word.slice(0, -3)}e`);
  return out;
}

function lookupPhrase(words: string[], lexicon: Lexicon): string[] | null {
  const lastForms = variants(words[words.length - 1]);
  for (const last of lastForms) {
    const p = [...words.slice(0, -1), last].join(' ');
    const entity = lexicon.lookupForSearch(p);
    if (entity) {
      // An abbreviation or code (CT, EBUS-TBNA, NSCLC) is written alike in Chinese text: nothing to add.
      if ([entity.zh, entity.en, ...entity.aliases].some((n) => keyOf(n) === p && CODE.test(n))) return [];
      const names = [entity.zh, ...entity.aliases].filter((n) => CJK_ONLY.test(n) && [...n].length >= 2);
      if (names.length) return [...new Set(names)].slice(0, NAMES_PER_ENTITY);
    }
    const g = glossary.get(p);
    if (g) return g;
  }
  return null;
}

/**
 * The Chinese for the English words of a (folded) query: lexicon entities by their English names and aliases
 * (greedy longest match, their Chinese names), then a curated glossary of the clinical and question vocabulary
 * (signs → 征象, first-line → 首选, follow-up → 随访, diameter → 直径). The search adds these beside the original
 * words at a lower weight (search/query-plan.ts), so an English or mixed question meets Chinese text.
 */
export function englishToChinese(folded: string, lexicon: Lexicon): Translation[] {
  const out: Translation[] = [];
  // Runs of Latin words (hyphens and spaces join them; other punctuation and CJK end a run).
  for (const run of folded.match(/[a-z][a-z0-9]*(?:[\s-]+[a-z][a-z0-9]*)*/g) ?? []) {
    const words = run.split(/[\s-]+/).filter(Boolean);
    let i = 0;
    while (i < words.length) {
      let step = 1;
      for (let n = Math.min(MAX_PHRASE, words.length - i); n >= 1; n--) {
        const zh = lookupPhrase(words.slice(i, i + n), lexicon);
        if (zh) {
          if (zh.length) out.push({ source: words.slice(i, i + n).join(' '), target: zh });
          step = n;
          break;
        }
      }
      i += step;
    }
  }
  return out;
}
