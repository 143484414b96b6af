/**
 * Builds a textbook proxy from its authored source (`<dir>/source/*.txt`):
 *   textbook-proxy.txt   one sentence per line, no headings, no markup, in textbook order
 *   questions.jsonl      「<疾病>的<属性>」 questions with their gold sentences and a dev / held-out split
 * Run `npx tsx evals/textbook/build.ts [textbook|textbook2|textbook3|textbook4|textbook5|textbook6]` after editing a source (default: textbook, proxy 1);
 * tests/textbook-corpora.test.ts checks the outputs are current.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256Hex } from '../../core/index.ts';

const DIR = fileURLToPath(new URL('./', import.meta.url));
const EVALS = path.dirname(path.resolve(DIR));

/** One authored textbook proxy: its folder under evals/, and the prefix of its question ids. */
export interface TextbookCorpus {
  name: TextbookCorpusName;
  dir: string;
  idPrefix: string;
  /** Every question is held out (a set run once to check a change, never tuned on). */
  heldoutOnly: boolean;
  corpusFile: string;
  questionsFile: string;
}

/**
 * The authored proxies: `textbook` (proxy 1, the set the search was tuned on) and `textbook2` (proxy 2, written
 * blind to the engine by another author, other diseases and another style: the check that gains generalise) and
 * `textbook3` (proxy 3: written before a ranking change, run once at its end; every question is held out, none is dev)
 * and `textbook4` (proxy 4: the same, written by helper search7 before its ranking changes) and `textbook5` (proxy 5:
 * the same, written by helper search8 before its ranking changes) and `textbook6` (proxy 6: the same, written by helper
 * search9 before its ranking changes).
 */
export const TEXTBOOK_CORPUS_NAMES = ['textbook', 'textbook2', 'textbook3', 'textbook4', 'textbook5', 'textbook6'] as const;
export type TextbookCorpusName = (typeof TEXTBOOK_CORPUS_NAMES)[number];

export function textbookCorpus(name: TextbookCorpusName = 'textbook'): TextbookCorpus {
  const dir = path.join(EVALS, name);
  const idPrefix = name === 'textbook' ? 'tb' : `t${name.slice('textbook'.length)}-`;
  return { name, dir, idPrefix, heldoutOnly: name !== 'textbook' && name !== 'textbook2', corpusFile: path.join(dir, 'textbook-proxy.txt'), questionsFile: path.join(dir, 'questions.jsonl') };
}

export function parseTextbookCorpusName(name: string | undefined): TextbookCorpusName {
  if (name === undefined) return 'textbook';
  if ((TEXTBOOK_CORPUS_NAMES as readonly string[]).includes(name)) return name as TextbookCorpusName;
  throw new Error(`unknown textbook corpus "${name}": expected ${TEXTBOOK_CORPUS_NAMES.join(', ')}`);
}

/**
 * Attribute tags of the source and the attribute words a question uses for them. Where a tag has
 * several, diseases take them in turn, so both 临床表现 and 症状 are asked. `概` (overview) is never asked.
 */
export const ATTRIBUTES: Record<string, string[]> = {
  表: ['临床表现', '症状'],
  因: ['病因'],
  治: ['治疗'],
  药: ['药物治疗'],
  术: ['手术治疗'],
  并: ['并发症'],
  诊: ['诊断', '诊断标准'],
  检: ['实验室检查'],
  影: ['影像学检查'],
  鉴: ['鉴别诊断'],
  后: ['预后'],
  防: ['预防'],
  群: ['多发群体', '好发人群'],
  龄: ['发病年龄'],
  危: ['高危因素', '危险因素'],
  传: ['传播途径'],
  型: ['分型', '分类'],
  期: ['分期'],
  位: ['发病部位', '好发部位'],
  移: ['转移部位'],
  机: ['发病机制'],
  流: ['流行病学'],
};

export interface SourceDisease {
  name: string;
  specialty: string;
  sentences: Array<{ tags: string[]; text: string }>;
}

export interface TextbookQuestion {
  id: string;
  question: string;
  disease: string;
  /** The attribute word asked (临床表现, 症状, 药物治疗…). */
  attribute: string;
  /** Question type for per-type reporting: the first attribute word of the tag. */
  type: string;
  gold: string[];
  split: 'dev' | 'heldout';
}

/** Parse the authored source files: `#疾病` starts a disease, `tags|sentence` lines follow. */
export function readSource(dir = path.join(DIR, 'source')): SourceDisease[] {
  const diseases: SourceDisease[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.txt')).sort()) {
    const specialty = file.replace(/^\d+-|\.txt$/g, '');
    readFileSync(path.join(dir, file), 'utf8')
      .split('\n')
      .forEach((line, i) => {
        const t = line.trim();
        if (!t) return;
        if (t.startsWith('#')) {
          diseases.push({ name: t.slice(1).trim(), specialty, sentences: [] });
          return;
        }
        const bar = t.indexOf('|');
        const current = diseases.at(-1);
        if (bar < 0 || !current) throw new Error(`${file}:${i + 1}: expected "tags|sentence" after a #disease line`);
        const tags = t.slice(0, bar).split(',').map((s) => s.trim());
        for (const tag of tags) if (tag !== '概' && !ATTRIBUTES[tag]) throw new Error(`${file}:${i + 1}: unknown tag ${tag}`);
        current.sentences.push({ tags, text: t.slice(bar + 1).trim() });
      });
  }
  return diseases;
}

/** One question per (disease, attribute tag); gold = every sentence of the disease with that tag. */
export function buildQuestions(diseases: SourceDisease[], idPrefix = 'tb', heldoutOnly = false): TextbookQuestion[] {
  const out: TextbookQuestion[] = [];
  diseases.forEach((d, di) => {
    const tags = [...new Set(d.sentences.flatMap((s) => s.tags))].filter((t) => t !== '概');
    for (const tag of tags) {
      const words = ATTRIBUTES[tag];
      const attribute = words[di % words.length];
      const id = `${idPrefix}${String(di + 1).padStart(3, '0')}-${words[0]}`;
      // The split is a hash of the id: stable when questions are added, about half each.
      const split = !heldoutOnly && Number.parseInt(sha256Hex(Buffer.from(id)).slice(0, 8), 16) % 2 === 0 ? 'dev' : 'heldout';
      out.push({
        id,
        question: `${d.name}的${attribute}`,
        disease: d.name,
        attribute,
        type: words[0],
        gold: d.sentences.filter((s) => s.tags.includes(tag)).map((s) => s.text),
        split,
      });
    }
  });
  return out;
}

export function renderCorpus(diseases: SourceDisease[]): string {
  return `${diseases.flatMap((d) => d.sentences.map((s) => s.text)).join('\n')}\n`;
}

/** The generated files of a proxy, as `build` writes them. */
export function buildCorpus(corpus: TextbookCorpus): { diseases: SourceDisease[]; questions: TextbookQuestion[]; corpusText: string; questionsText: string } {
  const diseases = readSource(path.join(corpus.dir, 'source'));
  const questions = buildQuestions(diseases, corpus.idPrefix, corpus.heldoutOnly);
  return { diseases, questions, corpusText: renderCorpus(diseases), questionsText: `${questions.map((q) => JSON.stringify(q)).join('\n')}\n` };
}

export const CORPUS_FILE = textbookCorpus('textbook').corpusFile;
export const QUESTIONS_FILE = textbookCorpus('textbook').questionsFile;

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const corpus = textbookCorpus(parseTextbookCorpusName(process.argv[2]));
  const { diseases, questions, corpusText, questionsText } = buildCorpus(corpus);
  writeFileSync(corpus.corpusFile, corpusText);
  writeFileSync(corpus.questionsFile, questionsText);
  const dev = questions.filter((q) => q.split === 'dev').length;
  process.stdout.write(
    `${corpus.name}: ${diseases.length} diseases, ${diseases.reduce((n, d) => n + d.sentences.length, 0)} sentences, ${questions.length} questions (${dev} dev, ${questions.length - dev} held-out)\n`,
  );
}
