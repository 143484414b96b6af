import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import pLimit from 'p-limit';
import { AppError, isAppError, loadConfig } from '../../core/index.ts';
import { loadSidecarMeta, type SourceMetaInput, type VersionChoice } from '../../ingest/index.ts';
import type { Runtime } from '../../runtime/index.ts';
import { cliActor } from '../actor.ts';
import { fail, printJson, progressBar } from '../output.ts';

const SUPPORTED = /\.(pdf|md|markdown|html?|txt|text)$/i;

export interface IngestOptions extends SourceMetaInput {
  json?: boolean;
  /** Versioning when a current source has the same name (without one of these, such a file is refused with SAME_NAME_EXISTS). */
  newVersion?: boolean;
  supersedes?: string;
  separate?: boolean;
}

export interface IngestFileResult {
  file: string;
  status: 'ingested' | 'duplicate' | 'failed';
  sourceId?: string;
  title?: string;
  pages?: number;
  chunks?: number;
  /** True when this run finished an ingest an earlier, interrupted run had started. */
  resumed?: boolean;
  error?: { code: string; message: string };
}

/** Files named, or found (recursively) in directories named; sidecars are metadata, not documents. */
export function collectFiles(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(p);
    } catch {
      throw new AppError('NOT_FOUND', `找不到文件或目录 / no such file or directory: ${p}`, { field: 'paths' });
    }
    if (st.isDirectory()) {
      for (const entry of readdirSync(p, { recursive: true, encoding: 'utf8' }).sort()) {
        const full = path.join(p, entry);
        if (SUPPORTED.test(entry) && statSync(full).isFile()) out.push(full);
      }
    } else {
      out.push(p);
    }
  }
  return out;
}

/** `yingzhi ingest <paths…>`: register every file, then run the ingest jobs here with a progress bar. */
export async function ingestCommand(paths: string[], opts: IngestOptions): Promise<void> {
  const json = Boolean(opts.json);
  const t0 = performance.now();
  const { json: _json, newVersion, supersedes, separate, ...flags } = opts;
  const choice: VersionChoice = { newVersion, supersedes, separate };
  const explicit = Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)) as SourceMetaInput;
  let rt: Runtime | undefined;
  try {
    const files = collectFiles(paths);
    if (files.length === 0) throw new AppError('NOT_FOUND', '没有可导入的文件（支持 PDF/MD/HTML/TXT）/ no supported files found', { field: 'paths' });
    if (supersedes && files.length !== 1) throw new AppError('VALIDATION_FAILED', '--supersedes 只能用于单个文件 / --supersedes takes exactly one file', { field: 'supersedes' });
    const { createRuntime } = await import('../../runtime/index.ts');
    rt = await createRuntime(loadConfig({ ...process.env, YZ_LOG_LEVEL: process.env.YZ_LOG_LEVEL ?? 'warn' }), { command: true });
    const runtime = rt.services;
    const results: IngestFileResult[] = [];
    const jobToResult = new Map<string, IngestFileResult>();
    const wasPending = new Set<string>();
    const register = progressBar('登记 register', !json);
    register.start(files.length);
    // Registration parses in the parser threads: one more file in flight than there are threads keeps them busy
    // while this thread writes the previous file.
    const slots = pLimit(runtime.config.parsing.threads + 1);
    let registered = 0;
    await Promise.all(
      files.map((file) =>
        slots(async () => {
          const r: IngestFileResult = { file, status: 'failed' };
          results.push(r);
          try {
            const meta = { ...loadSidecarMeta(file), ...explicit };
            const reg = await runtime.sources.register(readFileSync(file), path.basename(file), meta, choice, { actor: cliActor() });
            r.sourceId = reg.source.id;
            r.title = reg.source.title;
            r.pages = reg.source.pageCount ?? undefined;
            if (reg.status === 'duplicate') {
              r.status = 'duplicate';
              if (reg.source.status === 'pending') wasPending.add(reg.source.id);
            } else if (reg.job) {
              jobToResult.set(reg.job.id, r);
            }
          } catch (e) {
            if (!isAppError(e)) throw e;
            r.error = { code: e.code, message: e.message };
          }
          register.update(++registered);
        }),
      ),
    );
    register.stop();

    const index = progressBar('索引 index  ', !json);
    index.start(Math.max(1, jobToResult.size));
    let finished = 0;
    const off = runtime.jobs.onFinished((job) => {
      if (jobToResult.has(job.id)) index.update(++finished);
    });
    // Drains this run's jobs and any left by an interrupted earlier run (they resume where they stopped).
    await runtime.jobs.drain();
    off();
    index.stop();

    // Final state comes from the database: a "duplicate" whose earlier ingest was interrupted is now finished.
    for (const r of results) {
      if (!r.sourceId) continue;
      const s = await runtime.sources.get(r.sourceId);
      if (!s) continue;
      r.pages = s.pageCount ?? undefined;
      r.chunks = s.chunkCount ?? undefined;
      if (s.status === 'failed') {
        r.status = 'failed';
        r.error = s.error ?? undefined;
      } else if (s.status === 'ready' && (r.status !== 'duplicate' || wasPending.has(s.id))) {
        r.status = 'ingested';
        if (wasPending.has(s.id)) r.resumed = true;
      }
    }

    const summary = {
      ingested: results.filter((r) => r.status === 'ingested').length,
      duplicates: results.filter((r) => r.status === 'duplicate').length,
      failed: results.filter((r) => r.status === 'failed').length,
      pages: results.filter((r) => r.status === 'ingested').reduce((s, r) => s + (r.pages ?? 0), 0),
      chunks: results.filter((r) => r.status === 'ingested').reduce((s, r) => s + (r.chunks ?? 0), 0),
      seconds: Math.round((performance.now() - t0) / 100) / 10,
    };
    if (json) printJson({ files: results, summary });
    else {
      for (const r of results) {
        const what = r.status === 'ingested' ? `已导入 ingested${r.resumed ? '（续传 resumed）' : ''}: ${r.pages} 页, ${r.chunks} 段` : r.status === 'duplicate' ? '未变化，已跳过 unchanged (duplicate)' : `失败 failed [${r.error?.code}] ${r.error?.message}`;
        process.stdout.write(`${r.file}  →  ${what}\n`);
      }
      process.stdout.write(
        `\n共 ${files.length} 个文件：导入 ${summary.ingested}，重复 ${summary.duplicates}，失败 ${summary.failed}；${summary.pages} 页，${summary.chunks} 段，${summary.seconds} 秒\n`,
      );
    }
    await rt.close();
    if (summary.failed > 0) process.exit(2);
  } catch (e) {
    await rt?.close().catch(() => undefined);
    fail(e, json);
  }
}
