import { loadTextbookQuestions, runTextbookCorpus, shuffledCorpus, summariseRun, CORPUS_FILE } from './evals/textbook.ts';
const qs = loadTextbookQuestions().filter((q) => q.split === 'dev');
const f = (h: any) => `${h.hit1.toFixed(3)} ${h.hit5.toFixed(3)} ${h.hit10.toFixed(3)} ${h.mrr.toFixed(3)}`;
for (const size of (process.argv[2] ?? '300,150,80').split(',')) {
  for (const [name, file] of [['ordered', CORPUS_FILE], ['shuffled', shuffledCorpus()]] as const) {
    for (const mode of ['hybrid', 'bm25'] as const) {
      const s = summariseRun(await runTextbookCorpus(file, qs, { env: { YZ_CHUNK_CHARS: size }, search: { mode } }), 'dev');
      console.log(`size=${size} ${name} ${mode} chunks=${s.chunks} ours ${f(s.ours)} | base ${f(s.baseline)}`);
    }
  }
}
process.exit(0);
