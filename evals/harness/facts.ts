/**
 * Key-fact matching for the answers suite. A fact is a short string or an array of alternatives (any one
 * counts). Matching is on normalised text, so "8 mm", "8mm" and "８ｍｍ" are the same fact, and range
 * separators are unified ("6～12", "6-12", "6至12" → "6~12"). A fact that starts or ends with a digit must
 * not continue a longer number in the answer: "6 mm" is not found in "16 mm" or "1.6 mm".
 */

export type Fact = string | string[];

const RANGE = /(\d)\s*(?:~|～|〜|-|–|—|至|到)\s*(\d)/g;

/** NFKC, lower case, no whitespace, one range separator. */
export function normalizeFactText(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(RANGE, '$1~$2').replace(RANGE, '$1~$2').replace(/\s+/g, '');
}

/** The alternatives of a fact, as written. */
export function alternatives(fact: Fact): string[] {
  return (Array.isArray(fact) ? fact : [fact]).filter((a) => a.trim().length > 0);
}

/** Whether normalised `haystack` contains normalised `needle` at a position that does not split a number. */
function containsNormalized(haystack: string, needle: string): boolean {
  if (!needle) return false;
  const startsWithDigit = /^\d/.test(needle);
  const endsWithDigit = /\d$/.test(needle);
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + 1)) {
    const before = haystack[at - 1] ?? '';
    const after = haystack[at + needle.length] ?? '';
    if (startsWithDigit && /[\d.]/.test(before)) continue;
    if (endsWithDigit && (/\d/.test(after) || (after === '.' && /\d/.test(haystack[at + needle.length + 1] ?? '')))) continue;
    return true;
  }
  return false;
}

/** Whether `text` states the fact (any alternative). */
export function hasFact(text: string, fact: Fact): boolean {
  const t = normalizeFactText(text);
  return alternatives(fact).some((a) => containsNormalized(t, normalizeFactText(a)));
}

/** How a fact is shown in tables and JSON: its first alternative. */
export function factLabel(fact: Fact): string {
  return alternatives(fact)[0] ?? '';
}
