import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { demoFiles } from '../runtime/index.ts';
import { approvedFacts } from './approved-facts.ts';
import { type QuestionDraft, TEMPLATE_VERSION, TemplateEngine } from '../teaching/index.ts';
import { ingestFiles, testRuntime } from '../tests/helpers/runtime.ts';

/**
 * Writes evals/questions/checkset.json once: items the template engine (graph templates and guideline tables)
 * drafts on the demo corpus, BEFORE any check, sampled evenly, with the approved graph they were drafted from
 * (so the checks can be re-run on exactly that graph). Labels are judged by hand in evals/questions/labels.json;
 * re-running this script replaces the items, so the labels would have to be judged again.
 */
const OUT = path.resolve(import.meta.dirname, '../evals/questions/checkset.json');
const rt = await testRuntime();
try {
  await ingestFiles(rt, demoFiles(), { demo: true });
  const facts = await approvedFacts(rt);
  const graph = await rt.teaching.bank.factGraph();
  const engine = new TemplateEngine();
  const graphItems: QuestionDraft[] = [];
  const tableItems: QuestionDraft[] = [];
  const seen = new Set<string>();
  const subjects = graph.allEntities().sort((a, b) => a.id.localeCompare(b.id));
  for (const x of subjects) {
    const tables = x.type === 'Disease' ? await rt.teaching.bank.tablesAbout(x) : [];
    for (const it of engine.draftSync({ subject: x, graph, count: 1000, tables }).items) {
      if (it.factKey && seen.has(it.factKey)) continue;
      if (it.factKey) seen.add(it.factKey);
      (it.template === 'table_value' ? tableItems : graphItems).push(it);
    }
  }
  const every = <T>(xs: T[], n: number) => xs.filter((_, i) => i % Math.max(1, Math.floor(xs.length / n)) === 0).slice(0, n);
  const items = [...every(graphItems, 54), ...every(tableItems, 18)].map((item, i) => ({ id: `q${String(i + 1).padStart(2, '0')}`, item }));
  mkdirSync(path.dirname(OUT), { recursive: true });
  writeFileSync(OUT, `${JSON.stringify({
    description: 'Authored check set (issue 15): template-engine items drafted on the demo corpus before any check, judged by hand in labels.json. Generated once by scripts/make-question-checkset.ts.',
    authored: true,
    generatedAt: new Date().toISOString(),
    engine: TEMPLATE_VERSION,
    drafted: { graph: graphItems.length, table: tableItems.length },
    graph: facts,
    items,
  }, null, 1)}\n`);
  process.stdout.write(`${items.length} items (of ${graphItems.length} graph + ${tableItems.length} table drafts), ${facts.length} relations → ${OUT}\n`);
} finally {
  await rt.close();
}
