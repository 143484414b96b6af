import { createHash } from 'node:crypto';
import { normalizeName } from './fact-graph.ts';

/** Character bigrams of a normalised string (single characters for one-character strings). */
export function bigrams(s: string): Set<string> {
  const t = normalizeName(s);
  const out = new Set<string>();
  if (t.length < 2) {
    if (t) out.add(t);
    return out;
  }
  for (let i = 0; i < t.length - 1; i++) out.add(t.slice(i, i + 2));
  return out;
}

/** Dice coefficient of two bigram sets: 1 for the same text, 0 for nothing shared. */
export function dice(a: Set<string>, b: Set<string>): number {
  if (!a.size && !b.size) return 1;
  let shared = 0;
  for (const x of a) if (b.has(x)) shared++;
  return (2 * shared) / (a.size + b.size);
}

export const textSimilarity = (a: string, b: string) => dice(bigrams(a), bigrams(b));

/** Stem and options, order-free: two items with the same signature ask the same thing. */
export function signatureOf(stem: string, options: readonly { text: string }[]): string {
  return `${normalizeName(stem)}|${options.map((o) => normalizeName(o.text)).sort().join('|')}`;
}

/** Deterministic PRNG (mulberry32) seeded from a string: the same item always gets the same option order. */
export function seededRandom(seed: string): () => number {
  let a = createHash('sha1').update(seed).digest().readUInt32LE(0);
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** One name contains the other (钙化 / 爆米花样钙化, 肺癌 / 周围型肺癌): a narrower or broader term, never a fair distractor. */
export function nested(a: string, b: string): boolean {
  const x = normalizeName(a);
  const y = normalizeName(b);
  return x.length > 1 && y.length > 1 && (x.includes(y) || y.includes(x));
}
