
import { SOURCE_KINDS, type SourceKind } from '../../ingest/index.ts';
import type { SearchHit } from '../../search/index.ts';
import { JOB_STATUSES, type JobStatus } from '../../store/index.ts';
import { cliActor } from '../actor.ts';
import { printJson } from '../output.ts';
import { withRuntime, withSearchRuntime } from '../with-runtime.ts';

const BOLD = (s: string) => (process.stdout.isTTY ? `\x1b[1;33m${s}\x1b[0m` : `【${s}】`);

function highlighted(hit: SearchHit, maxChars = 220): string {
  const first = hit.highlights[0]?.start ?? 0;
  const from = Math.max(0, first - 40);
  const to = Math.min(hit.text.length, from + maxChars);
  let out = '';
  let at = from;
  for (const h of hit.highlights) {
    if (h.end <= from || h.start >= to) continue;
    out += hit.text.slice(at, Math.max(at, h.start)) + BOLD(hit.text.slice(Math.max(at, h.start), Math.min(h.end, to)));
    at = Math.min(h.end, to);
  }
  out += hit.text.slice(at, to);
  return `${from > 0 ? '…' : ''}${out.replace(/\n/g, ' ')}${to < hit.text.length ? '…' : ''}`;
}

export async function searchCommand(q: string, opts: { top: string; kind?: string; json?: boolean; mode?: string; yearFrom?: string; yearTo?: string; collection?: string }) {
  const json = Boolean(opts.json);
  await withSearchRuntime(json, async (rt) => {
    const kinds = opts.kind?.split(',').map((k) => k.trim()).filter((k): k is SourceKind => (SOURCE_KINDS as readonly string[]).includes(k));
    const res = await rt.search.search({
      q,
      top: Number(opts.top),
      kind: kinds?.length ? kinds : undefined,
      mode: (opts.mode ?? 'hybrid') as 'hybrid',
      yearFrom: opts.yearFrom ? Number(opts.yearFrom) : undefined,
      yearTo: opts.yearTo ? Number(opts.yearTo) : undefined,
      collections: opts.collection?.split(',').map((c) => c.trim()).filter(Boolean),
    });
    if (json) return printJson(res);
    const expansions = res.terms.filter((t) => t.expandsTo.length).map((t) => `${t.surface} → ${t.expandsTo.slice(0, 4).join(' / ')}`);
    process.stdout.write(`检索 "${res.query}"  ${res.results.length} 条结果, ${res.tookMs} ms${expansions.length ? `\n同义词扩展: ${expansions.join('; ')}` : ''}\n\n`);
    if (res.results.length === 0) process.stdout.write('未找到相关段落 / no matching passages\n');
    res.results.forEach((h, i) => {
      process.stdout.write(`${i + 1}. ${h.citation}${h.superseded ? ' [已被新版本取代 superseded]' : ''}\n   ${h.headingPath.join(' › ')}\n   ${highlighted(h)}\n   chunk ${h.chunkId}\n\n`);
    });
  });
}

export async function sourcesListCommand(opts: { json?: boolean; kind?: string; literature?: boolean; documents?: boolean; q?: string }) {
  const json = Boolean(opts.json);
  await withRuntime(json, async (rt) => {
    const kind = (SOURCE_KINDS as readonly string[]).includes(opts.kind ?? '') ? (opts.kind as SourceKind) : undefined;
    const shelf = opts.literature ? 'literature' : opts.documents ? 'documents' : undefined;
    const list = await rt.sources.list({ kind, shelf, q: opts.q, limit: 500 });
    if (json) return printJson(list);
    for (const s of list.items) {
      process.stdout.write(
        `${s.id}  ${s.status.padEnd(7)} ${s.kind.padEnd(10)} ${s.title}${s.version ? ` ${s.version}` : ''}${s.year ? ` (${s.year})` : ''}  ${s.pageCount ?? '?'}页 ${s.chunkCount ?? '?'}段${s.supersededBy ? '  [superseded]' : ''}${s.demo ? '  [演示 demo]' : ''}\n`,
      );
    }
    process.stdout.write(`共 ${list.total} 个来源 sources\n`);
  });
}

export async function jobsListCommand(opts: { json?: boolean; status?: string }) {
  const json = Boolean(opts.json);
  await withRuntime(json, async (rt) => {
    const status = (JOB_STATUSES as readonly string[]).includes(opts.status ?? '') ? (opts.status as JobStatus) : undefined;
    const items = await rt.jobs.list({ status, limit: 200 });
    const counts = await rt.jobs.counts();
    if (json) return printJson({ items, counts });
    for (const j of items) {
      const pct = j.progressTotal ? `${Math.round((100 * j.progressDone) / j.progressTotal)}%` : '-';
      const suspect = j.crashes > 0 ? `  [进程退出 died ×${j.crashes}]` : '';
      process.stdout.write(
        `${j.id}  ${j.kind.padEnd(8)} ${j.status.padEnd(11)} ${pct.padStart(4)}  ${j.attempts}/${j.maxAttempts}  ${j.createdAt}${suspect}${j.lastError ? `  [${j.lastError.code}] ${j.lastError.message}` : ''}\n`,
      );
    }
    process.stdout.write(
      `排队 queued ${counts.queued} · 运行 running ${counts.running} · 成功 succeeded ${counts.succeeded} · 失败 failed ${counts.failed} · 隔离 quarantined ${counts.quarantined}\n`,
    );
  });
}

/** `yingzhi jobs retry <id>`: an admin's retry of a failed, cancelled or quarantined job (attempts start again). */
export async function jobsRetryCommand(id: string, opts: { json?: boolean }) {
  const json = Boolean(opts.json);
  await withRuntime(json, async (rt) => {
    const job = await rt.jobs.retry(id, cliActor());
    if (json) return printJson(job);
    process.stdout.write(`已重新排队 queued again: ${job.id} (${job.kind})\n`);
  });
}
