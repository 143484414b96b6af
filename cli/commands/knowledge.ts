import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../core/index.ts';
import {
  type ApprovalEdit,
  type Candidate,
  CandidateFilterSchema,
  type ExportFormat,
  PREDICATE_LABELS,
} from '../../knowledge/index.ts';
import { cliActor } from '../actor.ts';
import { drainWithProgress } from '../drain.ts';
import { printJson } from '../output.ts';
import { withRuntime } from '../with-runtime.ts';

const CERTAINTY_ZH = { present: '肯定', absent: '否定', possible: '可能' } as const;

function actor(opts: { as?: string }): string {
  return opts.as?.trim() || process.env.USER || 'cli-reviewer';
}

export async function extractCommand(opts: { engine: string; source?: string; json?: boolean }) {
  const json = Boolean(opts.json);
  await withRuntime(json, async (rt) => {
    const engine = opts.engine === 'llm' ? 'llm' : 'rules';
    if (opts.engine !== 'llm' && opts.engine !== 'rules') throw new AppError('VALIDATION_FAILED', `--engine 只能是 rules 或 llm / unknown engine ${opts.engine}`, { field: 'engine' });
    const jobs = await rt.knowledge.queueExtraction({ sourceId: opts.source, engine, actor: cliActor() });
    await drainWithProgress(rt, jobs.map((j) => j.id), `提取 extract (${engine})`, !json);
    const finished = await Promise.all(jobs.map((j) => rt.jobs.get(j.id)));
    if (json) return printJson({ engine, jobs: finished });
    let chunks = 0;
    let calls = 0;
    for (const j of finished) {
      if (!j) continue;
      const r = j.result ?? {};
      chunks += Number(r.chunks ?? 0);
      calls += Number(r.llmCalls ?? 0);
      process.stdout.write(`${j.payload.sourceId}  ${j.status}  ${r.chunks ?? 0} 段 chunks → ${r.proposed ?? 0} 条候选 proposed, ${r.inserted ?? 0} 条新增 new${j.lastError ? `  ${j.lastError.message}` : ''}\n`);
    }
    const counts = await rt.knowledge.candidateCounts();
    process.stdout.write(`引擎 engine ${engine}: ${chunks} 段, 大模型调用 LLM calls ${calls} (${chunks ? (calls / chunks).toFixed(2) : '0'}/段); 待审核 pending ${counts.pending}\n`);
  });
}

function candidateLine(c: Candidate): string {
  const side = (s: Candidate['subject']) => (s.entityId ? `${s.nameZh ?? s.text}` : `${s.text}(未关联 unresolved)`);
  const conflict = c.conflicts.contradicting.length ? '  ⚠矛盾 conflict' : c.conflicts.agreeing ? `  +${c.conflicts.agreeing}来源一致` : '';
  return `${c.id}  [${c.status}] ${side(c.subject)} —${PREDICATE_LABELS[c.predicate].zh}(${c.predicate})→ ${side(c.object)}  ${CERTAINTY_ZH[c.certainty]}  ${c.confidence.toFixed(2)}  ${c.extractor}${conflict}\n    「${c.quote.slice(0, 120)}」 《${c.source.title}》${c.page ? ` 第${c.page}页` : ''}\n`;
}

export async function reviewListCommand(opts: Record<string, string | boolean | undefined> & { json?: boolean; limit?: string }) {
  const json = Boolean(opts.json);
  await withRuntime(json, async (rt) => {
    const parsed = CandidateFilterSchema.safeParse({
      status: opts.status ?? 'pending', sourceId: opts.source, predicate: opts.predicate, entityId: opts.entity, extractor: opts.extractor,
      minConfidence: opts.minConfidence, tag: opts.tag, q: opts.q, conflict: opts.conflict || undefined, unresolved: opts.unresolved || undefined,
    });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new AppError('VALIDATION_FAILED', `筛选条件无效 / invalid filter ${String(issue.path[0])}: ${issue.message}`, { field: String(issue.path[0]) });
    }
    const page = await rt.knowledge.candidates(parsed.data, { limit: Number(opts.limit ?? 20), offset: 0 });
    if (json) return printJson(page);
    for (const c of page.items) process.stdout.write(candidateLine(c));
    process.stdout.write(`共 ${page.total} 条 total\n`);
  });
}

export async function reviewDecideCommand(action: 'approve' | 'reject', ids: string[], opts: ReviewOpts) {
  const json = Boolean(opts.json);
  await withRuntime(json, async (rt) => {
    const result = await rt.knowledge.bulk(action, { ids }, { actor: actor(opts), comment: opts.comment, overrideConflict: opts.force });
    if (result.failed.length) process.exitCode = 2;
    if (json) return printJson(result);
    for (const id of result.done) process.stdout.write(`${action === 'approve' ? '已批准 approved' : '已拒绝 rejected'} ${id}\n`);
    for (const f of result.failed) process.stdout.write(`失败 failed ${f.id} [${f.code}] ${f.message}\n`);
  });
}

interface ReviewOpts {
  comment?: string;
  as?: string;
  json?: boolean;
  subject?: string;
  object?: string;
  predicate?: string;
  certainty?: string;
  force?: boolean;
}

/** `review approve <ids...>`: as proposed, or with edits (then exactly one id). */
export async function reviewApproveCommand(ids: string[], opts: ReviewOpts) {
  const hasEdit = opts.subject || opts.object || opts.predicate || opts.certainty;
  if (!hasEdit) return reviewDecideCommand('approve', ids, opts);
  const json = Boolean(opts.json);
  await withRuntime(json, async (rt) => {
    if (ids.length !== 1) throw new AppError('VALIDATION_FAILED', '编辑后批准请逐条进行 / edit-then-approve takes exactly one id', { field: 'ids' });
    const edit: ApprovalEdit = {
      ...(opts.subject ? { subjectId: opts.subject } : {}),
      ...(opts.object ? { objectId: opts.object } : {}),
      ...(opts.predicate ? { predicate: opts.predicate as ApprovalEdit['predicate'] } : {}),
      ...(opts.certainty ? { certainty: opts.certainty as ApprovalEdit['certainty'] } : {}),
    };
    const c = await rt.knowledge.approve(ids[0], { actor: actor(opts), comment: opts.comment, overrideConflict: opts.force, edit });
    if (json) return printJson(c);
    process.stdout.write(`已编辑并批准 edited and approved ${ids[0]} → ${c.relationId}\n`);
  });
}

export async function reviewMergeCommand(from: string, into: string, opts: { surface?: boolean; comment?: string; as?: string; json?: boolean }) {
  const json = Boolean(opts.json);
  await withRuntime(json, async (rt) => {
    const o = { actor: actor(opts), comment: opts.comment };
    const m = await rt.knowledge.merge(opts.surface ? { fromSurface: from } : { fromId: from }, into, o);
    if (json) return printJson(m);
    const c = m.changes;
    process.stdout.write(`已合并 merged ${m.fromId ?? `"${m.fromSurface}"`} → ${m.intoId} (${m.id}): 别名 ${c.aliasKeys.length}, 关系迁移 ${c.relationsMoved.length}, 关系合并 ${c.relationsFolded.length}, 候选 ${c.candidates.length}\n撤销 undo: yingzhi review unmerge ${m.id}\n`);
  });
}

export async function reviewUnmergeCommand(id: string, opts: { as?: string; json?: boolean }) {
  const json = Boolean(opts.json);
  await withRuntime(json, async (rt) => {
    const m = await rt.knowledge.undoMerge(id, { actor: actor(opts) });
    if (json) return printJson(m);
    process.stdout.write(`已撤销合并 undone ${m.id}\n`);
  });
}

export async function graphRebuildCommand(opts: { json?: boolean }) {
  const json = Boolean(opts.json);
  await withRuntime(json, async (rt) => {
    const started = Date.now();
    const r = await rt.graph.rebuild(cliActor());
    const stats = (await rt.graph.overview()).graph;
    if (json) return printJson({ ...r, store: rt.graph.store, stats, ms: Date.now() - started });
    process.stdout.write(`图谱已重建 rebuilt (${rt.graph.store}): 重放 ${r.applied} 个事件 events, ${stats.entities} 个实体, ${stats.relations} 条关系, ${Date.now() - started} ms\n`);
  });
}

export async function graphStatsCommand(opts: { json?: boolean }) {
  const json = Boolean(opts.json);
  await withRuntime(json, async (rt) => {
    await rt.graph.catchUp();
    const { graph, projection, review } = await rt.graph.overview();
    if (json) return printJson({ graph, projection, review });
    process.stdout.write(`图存储 store: ${projection.store}  实体 entities ${graph.entities}  关系 relations ${graph.relations}  待投影 pending events ${projection.pending}\n`);
    for (const [p, n] of Object.entries(graph.byPredicate)) process.stdout.write(`  ${p.padEnd(16)} ${n}\n`);
    process.stdout.write(`审核 review: 待审核 ${review.pending} · 已批准 ${review.approved} · 已拒绝 ${review.rejected}\n`);
  });
}

export async function graphExportCommand(opts: { format: string; out?: string; as?: string }) {
  await withRuntime(false, async (rt) => {
    const formats = ['jsonl', 'csv-nodes', 'csv-edges', 'cypher'];
    if (!formats.includes(opts.format)) throw new AppError('VALIDATION_FAILED', `--format 只能是 ${formats.join(' | ')}`, { field: 'format' });
    const text = await rt.graph.export(opts.format as ExportFormat, actor(opts));
    if (opts.out) {
      writeFileSync(opts.out, text);
      process.stderr.write(`已导出 exported → ${opts.out}\n`);
    } else process.stdout.write(text);
  });
}

export async function graphImportCommand(file: string, opts: { as?: string; json?: boolean }) {
  const json = Boolean(opts.json);
  await withRuntime(json, async (rt) => {
    const r = await rt.graph.import(readFileSync(file, 'utf8'), { actor: actor(opts), fileName: path.basename(file) });
    if (json) return printJson(r);
    if (r.signature === 'valid') process.stdout.write(`已导入（本机签名有效）imported (signed here): 实体 ${r.entities}, 关系 ${r.relations}, 跳过 skipped ${r.skipped}\n`);
    else {
      process.stdout.write(
        `文件${r.signature === 'foreign' ? '由其他机构签名' : '未签名'}：${r.candidates} 条事实已进入审核队列，审核通过前不会进入图谱 / ` +
          `${r.signature} file: ${r.candidates} facts queued for review; none reaches the graph until approved (skipped ${r.skipped})\n`,
      );
    }
  });
}
