import { loadavg } from 'node:os';
import path from 'node:path';
import { installedGguf, modelPaths } from '../llm/index.ts';
import { DEMO, ingestFiles, testRuntime } from '../tests/helpers/runtime.ts';
import { percentile, printTable } from './table.ts';

const QUESTIONS = ['肺结节多大需要随访？', '非小细胞肺癌T2期的标准是什么', '磨玻璃结节 随访'];
const DOCS = ['lung-nodule-guideline.md', 'lung-cancer-tnm-guideline.md'];

/**
 * `ask` with a real local model (default qwen-1.5b, YZ_BENCH_MODEL to change) on part of the demo corpus,
 * in-process, 1 thread: model load time, time to the first streamed token as the user sees it, the whole
 * turn, and YingZhi's own overhead per turn (the turn minus the time spent waiting for the model). Needs
 * `npm run models -- install qwen-1.5b`; skipped (with a line saying so) otherwise.
 */
export async function runRealModelBench(): Promise<Record<string, unknown>> {
  const model = process.env.YZ_BENCH_MODEL ?? 'qwen-1.5b';
  const { modelsDir } = modelPaths();
  if (!installedGguf(model, modelsDir)) {
    process.stdout.write(`\nreal-model bench skipped: ${model} is not installed in ${modelsDir} (npm run models -- install ${model})\n`);
    return { skipped: true };
  }
  const rt = await testRuntime({ YZ_LLM: 'embedded', YZ_LLM_MODEL: model, YZ_MODELS_DIR: modelsDir, YZ_LLM_THREADS: process.env.YZ_LLM_THREADS ?? '1', YZ_AUTO_EXTRACT: 'off' });
  try {
    await ingestFiles(rt, DOCS.map((d) => path.join(DEMO, d)));
    const loadStarted = performance.now();
    await rt.llm?.init();
    const loadMs = performance.now() - loadStarted;
    const turns: { firstTokenMs: number; totalMs: number; overheadMs: number; completionTokens: number }[] = [];
    for (const q of QUESTIONS) {
      const started = performance.now();
      let first: number | null = null;
      const res = await rt.chat.ask({ message: q, actor: 'bench' }, (e) => {
        if (e.type === 'delta' && first === null) first = performance.now() - started;
      });
      turns.push({ firstTokenMs: first ?? Number.NaN, totalMs: performance.now() - started, overheadMs: res.overheadMs, completionTokens: res.usage.completionTokens });
    }
    const s = (v: number) => `${(v / 1000).toFixed(1)} s`;
    const col = (k: keyof (typeof turns)[number]) => turns.map((t) => t[k]);
    const speed = await rt.llmUsage.speed('embedded', model);
    printTable(
      `ask with ${model} in-process (1 thread, ${DOCS.length} demo documents, ${turns.length} questions; load average ${loadavg()[0].toFixed(1)} on ${
        (await import('node:os')).cpus().length
      } cores)`,
      ['measure', 'p50', 'max', 'target'],
      [
        ['model load', s(loadMs), '', ''],
        ['first token', s(percentile(col('firstTokenMs'), 50)), s(Math.max(...col('firstTokenMs'))), '≤ 10 s'],
        ['whole turn', s(percentile(col('totalMs'), 50)), s(Math.max(...col('totalMs'))), ''],
        ['YingZhi overhead per turn', `${percentile(col('overheadMs'), 50).toFixed(0)} ms`, `${Math.max(...col('overheadMs')).toFixed(0)} ms`, '≤ 150 ms p95'],
        ['speed prompt / generation', `${speed.promptTokensPerSec ?? '—'} / ${speed.genTokensPerSec ?? '—'} tok/s`, '', ''],
      ],
    );
    return { model, loadMs, turns, speed, loadavg: loadavg()[0] };
  } finally {
    await rt.close();
  }
}
