import { readFileSync } from 'node:fs';
import type { LexiconEntry } from '../core/index.ts';
import { chunkDocument, readDocument } from '../ingest/index.ts';
import { demoFiles, loadLanguage } from '../runtime/index.ts';
import { rng } from './random.ts';

export { rng };


/** A demo sentence with the lexicon entities it mentions (by their Chinese name as written). */
export interface SentenceTemplate {
  text: string;
  mentions: LexiconEntry[];
}

/** Sentences and heading paths of the authored demo corpus, with their entity mentions. */
export async function demoSentences(): Promise<{ sentences: SentenceTemplate[]; headings: string[][] }> {
  const { lexicon, tokenizer } = loadLanguage();
  const sentences: SentenceTemplate[] = [];
  const headings: string[][] = [];
  for (const f of demoFiles().filter((x) => x.endsWith('.md'))) {
    const doc = await readDocument(readFileSync(f), f);
    for (const c of chunkDocument(doc.blocks, 600).chunks) {
      headings.push(c.headingPath);
      for (const s of c.text.split(/(?<=[。；！？])/)) {
        if (s.trim().length <= 8) continue;
        const mentions = new Map<string, LexiconEntry>();
        for (const w of tokenizer.words(s)) {
          const e = lexicon.lookup(w);
          if (e && s.includes(e.zh)) mentions.set(e.id, e);
        }
        sentences.push({ text: s.trim(), mentions: [...mentions.values()] });
      }
    }
  }
  return { sentences, headings };
}

/**
 * A synthetic document's vocabulary: every entity the demo corpus mentions is replaced by another
 * lexicon entity of the same type, chosen once per document. A corpus of such documents spreads
 * over the whole lexicon (≈1,000 diseases, signs, anatomy…) the way a department's library spreads
 * over many topics, instead of repeating ten documents' terms a hundred times over — which would
 * give every query term an unrealistically high document frequency.
 */
export function topicSubstitution(random: () => number): (e: LexiconEntry) => LexiconEntry {
  const { lexicon } = loadLanguage();
  const byType = new Map<string, LexiconEntry[]>();
  for (const e of lexicon.entries) byType.set(e.type, [...(byType.get(e.type) ?? []), e]);
  const chosen = new Map<string, LexiconEntry>();
  return (e) => {
    let sub = chosen.get(e.id);
    if (!sub) {
      const pool = byType.get(e.type) ?? [e];
      // Keep the original now and then, so the demo topics stay present in the large corpus too.
      sub = random() < 0.05 ? e : pool[Math.floor(random() * pool.length)];
      chosen.set(e.id, sub);
    }
    return sub;
  };
}

/** A synthetic chunk of ~`chars` characters from demo sentences, rendered in a document's vocabulary. */
export function syntheticChunk(random: () => number, sentences: SentenceTemplate[], substitute: (e: LexiconEntry) => LexiconEntry, chars = 480): string {
  let text = '';
  while (text.length < chars) {
    const s = sentences[Math.floor(random() * sentences.length)];
    let t = s.text;
    // Longest names first, so 非小细胞肺癌 is replaced before 肺癌.
    for (const m of [...s.mentions].sort((a, b) => b.zh.length - a.zh.length)) t = t.split(m.zh).join(substitute(m).zh);
    text += t;
  }
  return text;
}
