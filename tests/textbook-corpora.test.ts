import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTextbookGold, TEXTBOOK_DEV3_PATH, TEXTBOOK_FRESH_PATH, TEXTBOOK_GOLD_PATH, TEXTBOOK_FRESH2_PATH, TEXTBOOK_FRESH3_PATH, TEXTBOOK_FRESH4_PATH, TEXTBOOK_FRESH5_PATH, TEXTBOOK_FRESH6_PATH, TEXTBOOK_FRESH7_PATH } from '../evals/extraction-textbook.ts';
import { loadTextbookQuestions } from '../evals/textbook.ts';
import { buildCorpus, parseTextbookCorpusName, TEXTBOOK_CORPUS_NAMES, textbookCorpus } from '../evals/textbook/build.ts';

const DEMO_CORPUS = path.join(import.meta.dirname, '../demo/corpus');

/**
 * The authored evaluation sets of issue 13: both textbook search proxies are generated from their source and must
 * be current, proxy 2 must not share a disease with proxy 1 (it checks that tuning on proxy 1 generalises), and the
 * blind extraction gold must be well-formed (every annotated mention is written in its section).
 */
describe('textbook proxies', () => {
  for (const name of TEXTBOOK_CORPUS_NAMES) {
    it(`${name}: textbook-proxy.txt and questions.jsonl are what build.ts makes of the source`, () => {
      const corpus = textbookCorpus(name);
      const built = buildCorpus(corpus);
      expect(readFileSync(corpus.corpusFile, 'utf8')).toBe(built.corpusText);
      expect(readFileSync(corpus.questionsFile, 'utf8')).toBe(built.questionsText);
      expect(loadTextbookQuestions(corpus.questionsFile)).toHaveLength(built.questions.length);
    });
  }

  it('proxy 2 has other diseases than proxy 1, enough of them, and sentences only', () => {
    const one = buildCorpus(textbookCorpus('textbook'));
    const two = buildCorpus(textbookCorpus('textbook2'));
    const names = new Set(one.diseases.map((d) => d.name));
    expect(two.diseases.filter((d) => names.has(d.name)).map((d) => d.name)).toEqual([]);
    expect(two.diseases.length).toBeGreaterThanOrEqual(110);
    const sentences = two.diseases.flatMap((d) => d.sentences.map((s) => s.text));
    expect(sentences.length).toBeGreaterThanOrEqual(1500);
    expect(new Set(sentences).size).toBe(sentences.length);
    // The real set has sentences only: no bare name line, every line ends a sentence.
    expect(sentences.filter((s) => !/[。；]$/.test(s) || two.diseases.some((d) => s === d.name || s === `${d.name}。`))).toEqual([]);
    const dev = two.questions.filter((q) => q.split === 'dev').length;
    expect(two.questions.length).toBeGreaterThanOrEqual(350);
    expect(dev / two.questions.length).toBeGreaterThan(0.4);
    expect(dev / two.questions.length).toBeLessThan(0.6);
    expect(new Set(two.questions.map((q) => q.id)).size).toBe(two.questions.length);
  });

  it('proxy 3 is held out only, has other diseases than proxies 1 and 2, and asks every attribute type that matters', () => {
    const earlier = new Set([...buildCorpus(textbookCorpus('textbook')).diseases, ...buildCorpus(textbookCorpus('textbook2')).diseases].map((d) => d.name));
    const three = buildCorpus(textbookCorpus('textbook3'));
    expect(three.diseases.filter((d) => earlier.has(d.name)).map((d) => d.name)).toEqual([]);
    expect(three.diseases.length).toBeGreaterThanOrEqual(25);
    expect(three.questions.length).toBeGreaterThanOrEqual(150);
    expect(three.questions.every((q) => q.split === 'heldout')).toBe(true);
    const types = new Set(three.questions.map((q) => q.type));
    for (const t of ['转移部位', '鉴别诊断', '并发症', '实验室检查', '治疗', '预后']) expect(types).toContain(t);
    const sentences = three.diseases.flatMap((d) => d.sentences.map((s) => s.text));
    expect(new Set(sentences).size).toBe(sentences.length);
    // Like a book's text: most sentences do not name their disease, and page numbers / running headers sit among them.
    const naming = three.diseases.flatMap((d) => d.sentences.filter((s) => s.text.includes(d.name))).length;
    expect(naming / sentences.length).toBeLessThan(0.25);
    expect(sentences.filter((s) => /^·\s*\d+\s*·$/.test(s)).length).toBeGreaterThanOrEqual(3);
  });

  /** A later proxy: held out only, diseases in no earlier proxy nor the demo corpus, and text that reads like a book. */
  function expectNewHeldOutProxy(name: 'textbook4' | 'textbook5' | 'textbook6', earlierNames: readonly ('textbook' | 'textbook2' | 'textbook3' | 'textbook4' | 'textbook5')[], min: { diseases: number; questions: number }, idPrefix: string) {
    const earlier = new Set(earlierNames.flatMap((n) => buildCorpus(textbookCorpus(n)).diseases.map((d) => d.name)));
    const proxy = buildCorpus(textbookCorpus(name));
    expect(proxy.diseases.filter((d) => earlier.has(d.name)).map((d) => d.name)).toEqual([]);
    const demo = readdirSync(DEMO_CORPUS).map((f) => readFileSync(path.join(DEMO_CORPUS, f), 'utf8')).join('\n');
    expect(proxy.diseases.filter((d) => demo.includes(d.name)).map((d) => d.name)).toEqual([]);
    expect(proxy.diseases.length).toBeGreaterThanOrEqual(min.diseases);
    expect(proxy.questions.length).toBeGreaterThanOrEqual(min.questions);
    expect(proxy.questions.every((q) => q.split === 'heldout' && q.id.startsWith(idPrefix))).toBe(true);
    const types = new Set(proxy.questions.map((q) => q.type));
    for (const t of ['临床表现', '影像学检查', '鉴别诊断', '并发症', '实验室检查', '治疗', '手术治疗', '药物治疗', '诊断', '预后', '病因', '转移部位']) expect(types).toContain(t);
    const sentences = proxy.diseases.flatMap((d) => d.sentences.map((s) => s.text));
    expect(new Set(sentences).size).toBe(sentences.length);
    const naming = proxy.diseases.flatMap((d) => d.sentences.filter((s) => s.text.includes(d.name))).length;
    expect(naming / sentences.length).toBeLessThan(0.25);
    expect(sentences.filter((s) => /·\s*\d+\s*·/.test(s)).length).toBeGreaterThanOrEqual(3);
  }

  it('proxy 4 is held out only, has other diseases than proxies 1-3 and the demo corpus, and reads like a book', () => {
    expectNewHeldOutProxy('textbook4', ['textbook', 'textbook2', 'textbook3'], { diseases: 20, questions: 200 }, 't4-');
  });

  it('proxy 5 is held out only, has other diseases than proxies 1-4 and the demo corpus, and reads like a book', () => {
    expectNewHeldOutProxy('textbook5', ['textbook', 'textbook2', 'textbook3', 'textbook4'], { diseases: 0, questions: 120 }, 't5-');
  });

  it('proxy 6 is held out only, has other diseases than proxies 1-5 and the demo corpus, and reads like a book', () => {
    expectNewHeldOutProxy('textbook6', ['textbook', 'textbook2', 'textbook3', 'textbook4', 'textbook5'], { diseases: 10, questions: 120 }, 't6-');
  });

  it('an unknown proxy name is refused with the names that exist', () => {
    expect(parseTextbookCorpusName(undefined)).toBe('textbook');
    expect(parseTextbookCorpusName('textbook2')).toBe('textbook2');
    expect(parseTextbookCorpusName('textbook3')).toBe('textbook3');
    expect(parseTextbookCorpusName('textbook4')).toBe('textbook4');
    expect(parseTextbookCorpusName('textbook5')).toBe('textbook5');
    expect(parseTextbookCorpusName('textbook6')).toBe('textbook6');
    expect(() => parseTextbookCorpusName('textbook7')).toThrow(/textbook, textbook2, textbook3, textbook4, textbook5, textbook6/);
  });
});

describe('blind extraction gold (textbook-fresh2.jsonl)', () => {
  const sections = loadTextbookGold(TEXTBOOK_FRESH2_PATH);

  it('is a held-out set of the promised size, mostly headless', () => {
    expect(sections.every((s) => s.split === 'heldout')).toBe(true);
    expect(sections.length).toBeGreaterThanOrEqual(45);
    expect(sections.reduce((n, s) => n + s.sentences.length, 0)).toBeGreaterThanOrEqual(280);
    expect(sections.reduce((n, s) => n + s.triples.length, 0)).toBeGreaterThanOrEqual(550);
    expect(sections.filter((s) => s.heading === null).length / sections.length).toBeGreaterThan(0.9);
    expect(new Set(sections.map((s) => s.id)).size).toBe(sections.length);
  });

  it('names every annotated mention and synonym in its own section', () => {
    expect(unwrittenMentions(sections)).toEqual([]);
  });
});

describe('dev extraction gold in the blind set\'s style (textbook-dev3.jsonl)', () => {
  const sections = loadTextbookGold(TEXTBOOK_DEV3_PATH);

  it('is a dev set of the promised size, mostly headless, with synonyms to propose', () => {
    expect(sections.every((s) => s.split === 'dev')).toBe(true);
    expect(sections.reduce((n, s) => n + s.triples.length, 0)).toBeGreaterThanOrEqual(300);
    expect(sections.filter((s) => s.heading === null).length / sections.length).toBeGreaterThan(0.9);
    expect(sections.reduce((n, s) => n + s.synonyms.length, 0)).toBeGreaterThanOrEqual(20);
    expect(new Set(sections.map((s) => s.id)).size).toBe(sections.length);
  });

  it('names every annotated mention and synonym in its own section', () => {
    expect(unwrittenMentions(sections)).toEqual([]);
  });
});

describe('fourth held-out extraction gold, written blind (textbook-fresh3.jsonl)', () => {
  const sections = loadTextbookGold(TEXTBOOK_FRESH3_PATH);

  it('is a held-out set of at least 60 sentences, mostly headless', () => {
    expect(sections.every((s) => s.split === 'heldout')).toBe(true);
    expect(sections.reduce((n, s) => n + s.sentences.length, 0)).toBeGreaterThanOrEqual(60);
    expect(sections.filter((s) => s.heading === null).length / sections.length).toBeGreaterThan(0.8);
    expect(new Set(sections.map((s) => s.id)).size).toBe(sections.length);
  });

  it('names every annotated mention and synonym in its own section', () => {
    expect(unwrittenMentions(sections)).toEqual([]);
  });
});

describe('fifth held-out extraction gold, written blind before rules-v8 (textbook-fresh4.jsonl)', () => {
  const sections = loadTextbookGold(TEXTBOOK_FRESH4_PATH);

  it('is a held-out set of at least 80 sentences, mostly headless, with one English section', () => {
    expect(sections.every((s) => s.split === 'heldout')).toBe(true);
    expect(sections.reduce((n, s) => n + s.sentences.length, 0)).toBeGreaterThanOrEqual(80);
    expect(sections.reduce((n, s) => n + s.triples.length, 0)).toBeGreaterThanOrEqual(180);
    expect(sections.filter((s) => s.heading === null).length / sections.length).toBeGreaterThan(0.8);
    expect(sections.filter((s) => /^[A-Za-z]/.test(s.sentences[0])).length).toBe(1);
    expect(new Set(sections.map((s) => s.id)).size).toBe(sections.length);
  });

  it('names every annotated mention and synonym in its own section', () => {
    expect(unwrittenMentions(sections)).toEqual([]);
  });

  it('shares no topic with an earlier extraction gold set', () => {
    const earlier = [TEXTBOOK_GOLD_PATH, TEXTBOOK_FRESH_PATH, TEXTBOOK_DEV3_PATH, TEXTBOOK_FRESH2_PATH, TEXTBOOK_FRESH3_PATH].flatMap((p) => loadTextbookGold(p)).map((s) => `${s.heading ?? ''}${s.sentences.join('')}`).join('');
    const topics = sections.map((s) => s.triples[0].subject.split('|')[0]);
    expect(topics.filter((t) => earlier.includes(t))).toEqual([]);
  });
});

describe('sixth held-out extraction gold, written blind before rules-v9 (textbook-fresh5.jsonl)', () => {
  const sections = loadTextbookGold(TEXTBOOK_FRESH5_PATH);

  it('is a held-out set of at least 50 sentences, mostly headless, with one English section and sub-group treatments', () => {
    expect(sections.every((s) => s.split === 'heldout')).toBe(true);
    expect(sections.reduce((n, s) => n + s.sentences.length, 0)).toBeGreaterThanOrEqual(50);
    expect(sections.reduce((n, s) => n + s.triples.length, 0)).toBeGreaterThanOrEqual(120);
    expect(sections.filter((s) => s.heading === null).length / sections.length).toBeGreaterThan(0.8);
    expect(sections.filter((s) => /^[A-Za-z]/.test(s.sentences[0])).length).toBe(1);
    expect(new Set(sections.map((s) => s.id)).size).toBe(sections.length);
    // The weak spot it measures: treatments whose subject is a complication or sub-type, not the section's topic.
    const offTopic = sections.flatMap((s) => s.triples.filter((t) => t.predicate === 'treated_by' && t.subject !== s.triples[0].subject && t.subject !== s.triples.find((u) => u.predicate !== 'subtype_of')?.subject));
    expect(offTopic.length).toBeGreaterThanOrEqual(5);
  });

  it('names every annotated mention and synonym in its own section', () => {
    expect(unwrittenMentions(sections)).toEqual([]);
  });

  it('shares no topic with an earlier extraction gold set', () => {
    const earlier = [TEXTBOOK_GOLD_PATH, TEXTBOOK_FRESH_PATH, TEXTBOOK_DEV3_PATH, TEXTBOOK_FRESH2_PATH, TEXTBOOK_FRESH3_PATH, TEXTBOOK_FRESH4_PATH].flatMap((p) => loadTextbookGold(p)).map((s) => `${s.heading ?? ''}${s.sentences.join('')}`).join('');
    const topics = sections.map((s) => s.triples.find((t) => t.predicate !== 'subtype_of')?.subject.split('|')[0] ?? '');
    expect(topics.filter((t) => earlier.includes(t))).toEqual([]);
  });
});

describe('seventh held-out extraction gold, written blind before rules-v10 (textbook-fresh6.jsonl)', () => {
  const sections = loadTextbookGold(TEXTBOOK_FRESH6_PATH);

  it('is a held-out set of at least 50 sentences with one English section, weighted to exams and certainty', () => {
    expect(sections.every((s) => s.split === 'heldout')).toBe(true);
    expect(sections.reduce((n, s) => n + s.sentences.length, 0)).toBeGreaterThanOrEqual(50);
    expect(sections.reduce((n, s) => n + s.triples.length, 0)).toBeGreaterThanOrEqual(130);
    expect(sections.filter((s) => /^[A-Za-z]/.test(s.sentences[0])).length).toBe(1);
    expect(new Set(sections.map((s) => s.id)).size).toBe(sections.length);
    // The weak spot it measures: examined_by (rules-v9 P 50 / R 35 on fresh5), with negated or limited exams.
    const exams = sections.flatMap((s) => s.triples.filter((t) => t.predicate === 'examined_by'));
    expect(exams.length).toBeGreaterThanOrEqual(20);
    expect(exams.filter((t) => t.certainty !== 'present').length).toBeGreaterThanOrEqual(4);
  });

  it('names every annotated mention and synonym in its own section', () => {
    expect(unwrittenMentions(sections)).toEqual([]);
  });

  it('shares no topic with an earlier extraction gold set', () => {
    const earlier = [TEXTBOOK_GOLD_PATH, TEXTBOOK_FRESH_PATH, TEXTBOOK_DEV3_PATH, TEXTBOOK_FRESH2_PATH, TEXTBOOK_FRESH3_PATH, TEXTBOOK_FRESH4_PATH, TEXTBOOK_FRESH5_PATH].flatMap((p) => loadTextbookGold(p)).map((s) => `${s.heading ?? ''}${s.sentences.join('')}`).join('');
    const topics = sections.map((s) => s.triples.find((t) => t.predicate !== 'subtype_of')?.subject.split('|')[0] ?? '');
    expect(topics.filter((t) => earlier.includes(t))).toEqual([]);
  });
});

describe('eighth held-out extraction gold, written blind before rules-v11 (textbook-fresh7.jsonl)', () => {
  const sections = loadTextbookGold(TEXTBOOK_FRESH7_PATH);

  it('is a held-out set of at least 60 sentences with two English sections, weighted to sites, signs and treatments', () => {
    expect(sections.every((s) => s.split === 'heldout')).toBe(true);
    expect(sections.reduce((n, s) => n + s.sentences.length, 0)).toBeGreaterThanOrEqual(60);
    expect(sections.reduce((n, s) => n + s.triples.length, 0)).toBeGreaterThanOrEqual(140);
    expect(sections.filter((s) => /^[A-Za-z]/.test(s.sentences[0])).length).toBe(2);
    expect(new Set(sections.map((s) => s.id)).size).toBe(sections.length);
    // The weak spots it measures: located_at (rules-v10 1/10 on fresh6) and negated or hedged signs.
    const triples = sections.flatMap((s) => s.triples);
    expect(triples.filter((t) => t.predicate === 'located_at').length).toBeGreaterThanOrEqual(20);
    expect(triples.filter((t) => t.predicate === 'has_sign' && t.certainty !== 'present').length).toBeGreaterThanOrEqual(8);
    expect(triples.filter((t) => t.predicate === 'treated_by').length).toBeGreaterThanOrEqual(15);
  });

  it('names every annotated mention and synonym in its own section', () => {
    expect(unwrittenMentions(sections)).toEqual([]);
  });

  it('shares no topic with an earlier extraction gold set', () => {
    const earlier = [TEXTBOOK_GOLD_PATH, TEXTBOOK_FRESH_PATH, TEXTBOOK_DEV3_PATH, TEXTBOOK_FRESH2_PATH, TEXTBOOK_FRESH3_PATH, TEXTBOOK_FRESH4_PATH, TEXTBOOK_FRESH5_PATH, TEXTBOOK_FRESH6_PATH].flatMap((p) => loadTextbookGold(p)).map((s) => `${s.heading ?? ''}${s.sentences.join('')}`).join('');
    const topics = sections.map((s) => s.triples.find((t) => t.predicate !== 'subtype_of')?.subject.split('|')[0] ?? '');
    expect(topics.filter((t) => earlier.toLowerCase().includes(t.toLowerCase()))).toEqual([]);
  });
});

/** Annotated mentions and synonyms (any `|`-separated form) that their own section never writes. */
function unwrittenMentions(sections: ReturnType<typeof loadTextbookGold>): string[] {
  return sections.flatMap((s) => {
    const text = `${s.heading ?? ''}${s.sentences.join('')}`;
    const mentions = [...s.triples.flatMap((t) => [t.subject, t.object]), ...s.synonyms.flatMap((y) => [y.term, y.alias])];
    return mentions.filter((m) => !m.split('|').some((form) => text.includes(form))).map((m) => `${s.id}: ${m}`);
  });
}
