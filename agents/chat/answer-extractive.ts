import type { ChatLang } from '../chat.types.ts';
import { splitSentences } from './citation-checker.ts';
import type { EvidenceSet } from './evidence.ts';

export const EXTRACTIVE_LABEL: Record<ChatLang, string> = {
  zh: '【抽取式回答·未使用大模型】',
  en: '[Extractive answer — no LLM configured]',
};

const SENTENCES = 5;
const PER_PASSAGE = 2;
const FACTS = 5;
const MAX_QUOTE_CHARS = 200;

export interface QueryTerm {
  /** The term's surface and its synonyms. */
  surfaces: string[];
  weight: number;
}

/**
 * The answer without a model: the sentences of the relevant passages that match the most query terms (by
 * weight), verbatim with their citation and in reading order, then the approved graph facts — labelled as
 * extractive. Every sentence is quoted from its evidence, so the citation checker keeps all of them.
 */
export function extractiveAnswer(evidence: EvidenceSet, terms: QueryTerm[], lang: ChatLang): string {
  const lowered = terms.map((t) => ({ surfaces: t.surfaces.map((s) => s.toLowerCase()).filter(Boolean), weight: t.weight }));
  const score = (s: string) => {
    const text = s.toLowerCase();
    return lowered.filter((t) => t.surfaces.some((x) => text.includes(x))).reduce((n, t) => n + t.weight, 0);
  };
  const candidates: { n: number; rank: number; i: number; s: string; score: number }[] = [];
  const facts: string[] = [];
  evidence.numbers().forEach((n, rank) => {
    const e = evidence.get(n);
    if (!e) return;
    if (e.kind === 'relation') {
      if (facts.length < FACTS) facts.push(`${e.triple.subject} —${e.triple.predicate}→ ${e.triple.object}[${n}]${lang === 'zh' ? '。' : '.'}`);
      return;
    }
    // Quoted pieces are sentences, or the items of a list ("• …；"), so an answer quotes what matters only.
    const sentences = splitSentences(e.text.replace(/\s*\n\s*/g, ' '))
      .flatMap((s) => s.split(/(?<=[；;])\s*|\s*•\s*/))
      .map((s) => s.trim())
      .filter((s) => s.length >= 8 && s.length <= MAX_QUOTE_CHARS);
    sentences.forEach((s, i) => {
      candidates.push({ n, rank, i, s, score: score(s) });
    });
  });
  const perPassage = new Map<number, number>();
  const chosen = candidates
    .filter((c) => c.score > 0)
    .sort((a, b) => b.score - a.score || a.rank - b.rank || a.i - b.i)
    .filter((c) => {
      const k = perPassage.get(c.n) ?? 0;
      if (k >= PER_PASSAGE) return false;
      perPassage.set(c.n, k + 1);
      return true;
    })
    .slice(0, SENTENCES)
    .sort((a, b) => a.rank - b.rank || a.i - b.i);
  const lines = [EXTRACTIVE_LABEL[lang], ...chosen.map((c) => withMarker(c.s, c.n))];
  if (facts.length) lines.push(lang === 'zh' ? '知识图谱中经审核的相关关系：' : 'Approved relations in the knowledge graph:', ...facts);
  return lines.join('\n');
}

/** Put the marker before the sentence's final punctuation: "…应进一步评估[2]。" */
function withMarker(sentence: string, n: number): string {
  const m = /([。！？!?；;.]+)$/.exec(sentence);
  return m ? `${sentence.slice(0, -m[1].length)}[${n}]${m[1]}` : `${sentence}[${n}]`;
}
