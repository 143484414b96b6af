/**
 * Silver measure of subject attribution on headless, one-sentence-per-line textbook text.
 *
 * The textbook proxy (`evals/textbook/`, authored) is ingested as the real-text evaluation ingests its
 * corpus: one TXT, no headings, chunked as the CLI chunks it. Its source tags say what each sentence
 * states (表 signs, 治/药/术 treatment, 检/影 exams, 并 complications, 鉴 differentials) and of which
 * disease. A tagged sentence of disease X should yield at least one triple of the tag's predicate whose
 * disease argument is X — named in the sentence or carried over from the sentence that opened X's topic.
 * No object is checked (the tags do not name one): this measures the real-text failure of subject
 * carry-over and of finding any object at all outside the lexicon. Triples whose disease argument does
 * not occur in the sentence (carried over) are also checked against X: a carried subject of another
 * disease is a wrong attribution.
 *
 *   npx tsx evals/extraction-silver.ts [--root <checkout>] [--chunk 600] [--misses 表 20] [--sample 40]
 *
 * `--root` scores the rules engine of another checkout (e.g. main, archived to /tmp) on the same text.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SOURCE_DIR = path.join(HERE, 'textbook', 'source');
const PROXY = path.join(HERE, 'textbook', 'textbook-proxy.txt');
const PRECEDING = Number(process.env.SILVER_PRECEDING ?? 400);

const TAG_PREDICATE: Record<string, string> = { 表: 'has_sign', 治: 'treated_by', 药: 'treated_by', 术: 'treated_by', 检: 'examined_by', 影: 'examined_by', 并: 'complication_of', 鉴: 'differential_of' };
/** A laboratory sentence states a test or its result: a result (白细胞增高, 抗体阳性) is a finding of the disease. */
const ALSO: Record<string, string> = { 检: 'has_sign' };
/** The side of a triple that names the disease a sentence is about. */
const DISEASE_SIDE: Record<string, 'subject' | 'object' | 'either'> = { has_sign: 'subject', treated_by: 'subject', examined_by: 'subject', complication_of: 'object', differential_of: 'either' };

interface Line { disease: string; aliases: string[]; tags: string[]; text: string }

function loadSource(): Line[] {
  const lines: Line[] = [];
  for (const f of readdirSync(SOURCE_DIR).filter((x) => x.endsWith('.txt')).sort()) {
    let disease = '';
    let aliases: string[] = [];
    for (const raw of readFileSync(path.join(SOURCE_DIR, f), 'utf8').split('\n')) {
      const line = raw.trim();
      if (!line) continue;
      if (line.startsWith('#')) {
        disease = line.slice(1).trim();
        aliases = [];
        continue;
      }
      const bar = line.indexOf('|');
      const tags = line.slice(0, bar).split(',').map((t) => t.trim());
      const text = line.slice(bar + 1).trim();
      // Names the section itself gives its disease (X又称Y, X（Y）, 简称Y) count as X.
      for (const m of text.matchAll(/(?:又称|也称|亦称|简称|俗称)([\u3400-\u9fffA-Za-z0-9]{2,14})/g)) aliases.push(m[1]);
      for (const m of text.matchAll(new RegExp(`${disease}[（(]([^）)]{2,30})[）)]`, 'g'))) aliases.push(m[1].trim());
      lines.push({ disease, aliases, tags, text });
    }
  }
  return lines;
}

const norm = (s: string) => s.replace(/\s+/g, '').toLowerCase();

function namesX(name: string, line: Line): boolean {
  const n = norm(name);
  if (!n) return false;
  const x = norm(line.disease);
  if (n === x || line.aliases.some((a) => norm(a) === n)) return true;
  // 2型糖尿病 for 糖尿病, 急性胰腺炎 for 胰腺炎: a narrower or wider form of the same name.
  return n.length >= 2 && x.length >= 2 && (n.includes(x) || x.includes(n));
}

interface Triple { subject: { text: string }; predicate: string; object: { text: string }; quote: string }

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const root = path.resolve(opt('--root') ?? path.join(HERE, '..'));
  const chunkChars = Number(opt('--chunk') ?? 600);
  const missTag = opt('--misses');
  const missCount = Number(args[args.indexOf('--misses') + 2] ?? 20) || 20;
  const imp = (rel: string) => import(pathToFileURL(path.join(root, rel)).href);
  const { Lexicon } = await imp('core/index.ts');
  const { chunkDocument, readDocument } = await imp('ingest/index.ts');
  const { RulesExtractor } = await imp('knowledge/extract/rules/index.ts');
  const lexicon = Lexicon.load();
  const x = new RulesExtractor(lexicon);

  const source = loadSource();
  const byText = new Map(source.map((l) => [norm(l.text), l]));
  const doc = await readDocument(readFileSync(PROXY), 'textbook-proxy.txt');
  const { chunks } = chunkDocument(doc.blocks, chunkChars);
  const triples: Triple[] = [];
  let before: { text: string; headingPath: string[] } | undefined;
  for (const c of chunks) {
    const sameSection = before && before.headingPath.join('\u0000') === c.headingPath.join('\u0000');
    const r = x.extractSection(c.text, { headingPath: c.headingPath, ...(sameSection && before ? { preceding: before.text.slice(-PRECEDING) } : {}) });
    triples.push(...r.triples);
    before = c;
  }

  const bySentence = new Map<Line, Triple[]>();
  let unplaced = 0;
  for (const t of triples) {
    const line = byText.get(norm(t.quote));
    if (!line) {
      unplaced++;
      continue;
    }
    const list = bySentence.get(line) ?? [];
    list.push(t);
    bySentence.set(line, list);
  }

  const diseaseSides = (t: Triple): string[] => {
    const side = DISEASE_SIDE[t.predicate];
    return side === 'subject' ? [t.subject.text] : side === 'object' ? [t.object.text] : [t.subject.text, t.object.text];
  };

  const rows: Array<{ tag: string; sentences: number; hit: number }> = [];
  const misses: Line[] = [];
  for (const tag of Object.keys(TAG_PREDICATE)) {
    const lines = source.filter((l) => l.tags.includes(tag));
    let hit = 0;
    for (const l of lines) {
      const ok = (bySentence.get(l) ?? []).some((t) => (t.predicate === TAG_PREDICATE[tag] || t.predicate === ALSO[tag]) && diseaseSides(t).some((n) => namesX(n, l)));
      if (ok) hit++;
      else if (tag === missTag) misses.push(l);
    }
    rows.push({ tag, sentences: lines.length, hit });
  }

  // Carried subjects: the disease argument is not written in the sentence.
  let carried = 0;
  let carriedRight = 0;
  let attributed = 0;
  let attributedRight = 0;
  const wrong: string[] = [];
  for (const [line, ts] of bySentence) {
    for (const t of ts) {
      if (!(t.predicate in DISEASE_SIDE)) continue;
      const names = diseaseSides(t);
      attributed++;
      const right = names.some((n) => namesX(n, line));
      if (right) attributedRight++;
      if (names.every((n) => !norm(line.text).includes(norm(n)))) {
        carried++;
        if (right) carriedRight++;
        else if (wrong.length < 60) wrong.push(`${line.disease} ← ${t.subject.text} ${t.predicate} ${t.object.text} | ${line.text}`);
      }
    }
  }

  const pct = (a: number, b: number) => (b ? ((100 * a) / b).toFixed(1) : '—');
  const version = x.version as string;
  console.log(`silver subject attribution — ${version} (${root}), ${chunks.length} chunks of ≤${chunkChars} chars, ${source.length} sentences, ${triples.length} triples (${unplaced} unplaced)`);
  console.log('| tag | predicate | sentences | with a triple about the disease | % |');
  console.log('|---|---|---:|---:|---:|');
  let all = 0;
  let allHit = 0;
  for (const r of rows) {
    all += r.sentences;
    allHit += r.hit;
    console.log(`| ${r.tag} | ${TAG_PREDICATE[r.tag]}${ALSO[r.tag] ? ` or ${ALSO[r.tag]}` : ''} | ${r.sentences} | ${r.hit} | ${pct(r.hit, r.sentences)} |`);
  }
  console.log(`| all | | ${all} | ${allHit} | ${pct(allHit, all)} |`);
  console.log(`attributed triples (has_sign/treated_by/examined_by/complication_of/differential_of): ${attributed}, disease argument = the sentence's disease: ${pct(attributedRight, attributed)} %`);
  console.log(`carried-over subjects (disease not written in the sentence): ${carried}, right: ${pct(carriedRight, carried)} %`);
  const sampleSize = Number(opt('--sample') ?? 0);
  if (sampleSize) {
    // A fixed pseudo-random sample of placed triples, for judging precision by hand.
    let seed = Number(opt('--seed') ?? 13);
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const placed = [...bySentence].flatMap(([line, ts]) => ts.map((t) => ({ line, t: t as Triple & { certainty?: string } })));
    for (let i = placed.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [placed[i], placed[j]] = [placed[j], placed[i]];
    }
    console.log(`\nsample of ${sampleSize} triples:`);
    for (const { line, t } of placed.slice(0, sampleSize)) console.log(`  [${line.disease}] ${t.subject.text} · ${t.predicate} · ${t.object.text} · ${t.certainty ?? ''} | ${line.text}`);
  }
  if (missTag) {
    console.log(`\nmisses of ${missTag}:`);
    for (const l of misses.slice(0, missCount)) console.log(`  [${l.disease}] ${l.text}  ⇒ ${(bySentence.get(l) ?? []).map((t) => `${t.subject.text}·${t.predicate}·${t.object.text}`).join('; ')}`);
    console.log('\nwrong carried subjects:');
    for (const w of wrong) console.log(`  ${w}`);
  }
}

await main();
