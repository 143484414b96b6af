import { loadTextbookQuestions, runTextbookCorpus, shuffledCorpus, summariseRun, CORPUS_FILE } from '/work/wt/retrieval/evals/textbook.ts';
const split = process.argv[2] ?? 'dev';
const mode = (process.argv[3] ?? 'hybrid') as 'hybrid';
const qs = loadTextbookQuestions().filter((q) => q.split === split);
for (const [name, file] of [['ordered', CORPUS_FILE], ['shuffled', shuffledCorpus()]] as const) {
  const t0 = performance.now();
  const run = await runTextbookCorpus(file, qs, { search: { mode } });
  const s = summariseRun(run, split);
  const f = (h: any) => `${h.hit1.toFixed(3)} ${h.hit5.toFixed(3)} ${h.hit10.toFixed(3)} ${h.mrr.toFixed(3)}`;
  console.log(`${name} chunks=${s.chunks} n=${s.ours.n} ours ${f(s.ours)} | base ${f(s.baseline)}  (${((performance.now()-t0)/1000).toFixed(0)}s)`);
  if (process.argv[4] === 'types') for (const t of s.byType) console.log(`   ${t.type.padEnd(6,'　')} n=${t.ours.n} ours ${f(t.ours)} | base ${f(t.baseline)}`);
}
process.exit(0);
