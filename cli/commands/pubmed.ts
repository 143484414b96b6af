import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../core/index.ts';
import type { Run, Watch } from '../../literature/index.ts';
import type { Services } from '../../runtime/index.ts';
import { drainWithProgress } from '../drain.ts';
import { printJson } from '../output.ts';
import { cliActor } from '../actor.ts';
import { withRuntime } from '../with-runtime.ts';

function runLine(r: Run): string {
  const counts = `取回 fetched ${r.fetched}${r.total !== null ? `/${r.total}` : ''} · 新 new ${r.newRecords} · 更新 updated ${r.updated} · 未变 unchanged ${r.unchanged} · 撤稿 retracted ${r.retracted} · 候选 triples ${r.triplesProposed}`;
  return `${r.id}  ${r.status}  ${r.trigger}  ${r.minDate ?? ''}${r.maxDate ? `→${r.maxDate}` : ''}  ${counts}${r.error ? `\n    错误 error: ${r.error.message}` : ''}`;
}

async function findWatch(rt: Services, idOrName: string): Promise<Watch> {
  const all = await rt.literature.listWatches();
  const w = all.find((x) => x.id === idOrName || x.name === idOrName);
  if (!w) throw new AppError('NOT_FOUND', `没有这个文献订阅 / no watch "${idOrName}" (yingzhi pubmed watch list)`, { field: 'watch' });
  return w;
}

export async function watchAddCommand(name: string, query: string, opts: { mesh?: string[]; journal?: string[]; language?: string[]; lookback?: string; cron?: string; max?: string; json?: boolean; as?: string }) {
  const json = Boolean(opts.json);
  await withRuntime(json, async (rt) => {
    const w = await rt.literature.createWatch({
      name, query, meshTerms: opts.mesh ?? [], journals: opts.journal ?? [], languages: opts.language ?? [],
      ...(opts.lookback ? { lookbackDays: Number(opts.lookback) } : {}), ...(opts.cron ? { cron: opts.cron } : {}), ...(opts.max ? { maxRecords: Number(opts.max) } : {}),
    }, opts.as?.trim() || process.env.USER || 'cli-admin');
    if (json) return printJson(w);
    process.stdout.write(`已创建订阅 created watch ${w.id} “${w.name}”；下次运行 next run ${w.nextRunAt ?? '—'}\n`);
  });
}

export async function watchListCommand(opts: { json?: boolean }) {
  const json = Boolean(opts.json);
  await withRuntime(json, async (rt) => {
    const items = await rt.literature.listWatches();
    if (json) return printJson({ items });
    if (!items.length) return void process.stdout.write('还没有文献订阅 / no watches yet (yingzhi pubmed watch add)\n');
    for (const w of items) {
      process.stdout.write(`${w.id}  ${w.name}  ${w.enabled ? '启用 enabled' : '停用 disabled'}  cron "${w.cron}"  下次 next ${w.nextRunAt ?? '—'}\n    ${w.query}\n`);
      if (w.lastRun) process.stdout.write(`    上次 last: ${runLine(w.lastRun)}\n`);
    }
  });
}

export async function watchRunCommand(idOrName: string, opts: { json?: boolean }) {
  const json = Boolean(opts.json);
  await withRuntime(json, async (rt) => {
    const w = await findWatch(rt, idOrName);
    const job = await rt.literature.runNow(w.id, cliActor());
    await drainWithProgress(rt, [job.id], `PubMed ${w.name}`, !json);
    const [run] = await rt.literature.runs({ watchId: w.id, limit: 1 });
    if (json) return printJson(run ?? null);
    process.stdout.write(`${run ? runLine(run) : '没有运行记录 / no run recorded'}\n`);
    if (run?.status === 'failed') process.exitCode = 1;
  });
}

export async function runsCommand(opts: { watch?: string; json?: boolean }) {
  const json = Boolean(opts.json);
  await withRuntime(json, async (rt) => {
    const watchId = opts.watch ? (await findWatch(rt, opts.watch)).id : undefined;
    const items = await rt.literature.runs({ watchId, limit: 50 });
    if (json) return printJson({ items });
    for (const r of items) process.stdout.write(`${runLine(r)}\n`);
  });
}

export async function pubmedImportCommand(file: string, opts: { json?: boolean }) {
  const json = Boolean(opts.json);
  await withRuntime(json, async (rt) => {
    let xml: string;
    try {
      xml = new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(file));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new AppError('NOT_FOUND', `文件不存在 / no such file: ${file}`, { field: 'file' });
      throw new AppError('TEXT_DECODE_FAILED', `${file} 不是 UTF-8 编码 / not UTF-8`, { field: 'file' });
    }
    const run = await rt.literature.importXml(xml, path.basename(file), { actor: cliActor() });
    await rt.jobs.drain(); // extraction of the new abstracts into the review queue
    const done = await rt.literature.getRun(run.id);
    if (json) return printJson(done);
    process.stdout.write(`${runLine(done)}\n`);
  });
}
