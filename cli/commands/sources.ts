import { type Command, InvalidArgumentError } from 'commander';
import type { DeletionPlan } from '../../ingest/index.ts';
import { cliActor } from '../actor.ts';
import { drainWithProgress } from '../drain.ts';
import { printJson } from '../output.ts';
import { withRuntime } from '../with-runtime.ts';

const intArg = (name: string) => (v: string) => {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`${name} must be a whole number`);
  return Number(v);
};

/** What a deletion removes, in one paragraph a person reads before saying yes. */
export function describeDeletion(p: DeletionPlan): string {
  const lines = [
    `《${p.source.title}》 ${p.source.id}`,
    `  页 pages: ${p.pages}   段落 passages: ${p.passages}${p.disabledPassages ? ` (停用 disabled ${p.disabledPassages})` : ''}   向量 vectors: ${p.embeddings}`,
    `  候选三元组 candidates: 待审 pending ${p.candidates.pending} · 已通过 approved ${p.candidates.approved} · 已驳回 rejected ${p.candidates.rejected}`,
    `  仅由它支持、将退役的关系 relations retired (kept in history): ${p.relationsRetired.length}`,
    ...p.relationsRetired.slice(0, 20).map((r) => `    ${r.id}  ${r.subject} —${r.predicate}→ ${r.object}`),
    `  另有其他证据、保留的关系 relations kept (other evidence): ${p.relationsKept}`,
  ];
  if (p.restores) lines.push(`  恢复为当前版本 becomes current again: 《${p.restores.title}》 v${p.restores.versionNo} ${p.restores.id}`);
  if (p.jobsCancelled) lines.push(`  取消的任务 jobs cancelled: ${p.jobsCancelled}`);
  return `${lines.join('\n')}\n`;
}

/** `yingzhi sources delete|reparse|edit` (list lives beside search in query.ts). */
export function registerSourceCommands(sources: Command): void {
  sources
    .command('delete')
    .description('删除来源（页、段落、候选三元组；仅由它支持的关系退役并保留历史）/ delete a source')
    .argument('<id>')
    .option('--yes', '确认删除（不加时只显示将删除的内容）/ confirm; without it only the plan is shown')
    .option('--reason <text>', '删除原因（记入审计）/ reason, audited')
    .option('--json', 'machine-readable output')
    .action((id: string, opts: { yes?: boolean; reason?: string; json?: boolean }) =>
      withRuntime(Boolean(opts.json), async (rt) => {
        if (!opts.yes) {
          const plan = await rt.sources.deletionPlan(id);
          if (opts.json) return printJson({ deleted: false, plan });
          process.stdout.write(`将删除 would delete:\n${describeDeletion(plan)}加 --yes 确认删除 / add --yes to delete\n`);
          return;
        }
        const done = await rt.sources.delete(id, { actor: cliActor(), reason: opts.reason });
        if (opts.json) return printJson({ deleted: true, plan: done });
        process.stdout.write(`已删除 deleted:\n${describeDeletion(done)}`);
      }),
    );
  sources
    .command('reparse')
    .description('用新的设置从原始文件重新解析（一个任务）/ re-parse from the original file with new settings (a job)')
    .argument('<id>')
    .option('--chunk-chars <n>', '段落长度（字）/ passage size in characters (200–4000)', intArg('--chunk-chars'))
    .option('--no-wait', '只排队，不在本进程运行 / queue only')
    .option('--json', 'machine-readable output')
    .action((id: string, opts: { chunkChars?: number; wait: boolean; json?: boolean }) =>
      withRuntime(Boolean(opts.json), async (rt) => {
        const { job } = await rt.sources.reparse(id, { chunkChars: opts.chunkChars }, cliActor());
        if (opts.wait) await drainWithProgress(rt, [job.id], '重新解析 reparse', !opts.json);
        const source = await rt.sources.get(id);
        const finished = await rt.jobs.get(job.id);
        if (opts.json) return printJson({ source, job: finished });
        process.stdout.write(`${source?.title} ${id}: ${source?.status} · ${source?.chunkCount ?? '?'} 段 passages · job ${job.id} ${finished?.status}\n`);
      }),
    );
}
