import type { Config } from '../core/index.ts';
import type { GraphService } from '../knowledge/index.ts';
import type { SourcesService } from '../ingest/index.ts';
import type { Embedder } from '../search/index.ts';
import type { JobsService } from './jobs.service.ts';

/** What /readyz reports. */
export interface Readiness {
  status: 'ready' | 'degraded';
  database: { ok: boolean; kind: string; latencyMs: number };
  embedder: { model: string; dims: number };
  llm: { provider: string; model: string | null; note: string };
  graph: { store: string; pending: number; lastError: string | null } | null;
  corpus: { sources: number; chunks: number };
  jobs: Record<string, number>;
}

/** Readiness of the process: database (timed), embedder, configured LLM, graph projection, corpus and jobs. */
export class HealthService {
  constructor(private readonly deps: { config: Config; databaseKind: string; embedder: Embedder; sources: SourcesService; jobs: JobsService; graph: GraphService }) {}

  /** Which database this process uses (pglite | postgres). */
  get databaseKind(): string {
    return this.deps.databaseKind;
  }

  /** The embedding model in use. */
  get embedderModel(): string {
    return this.deps.embedder.model;
  }

  async readiness(): Promise<Readiness> {
    const t0 = performance.now();
    let ok = true;
    let corpus = { sources: 0, chunks: 0 };
    let jobs: Record<string, number> = {};
    let graph: Readiness['graph'] = null;
    try {
      corpus = await this.deps.sources.corpusCounts();
      jobs = await this.deps.jobs.counts();
      const p = await this.deps.graph.projection();
      graph = { store: p.store, pending: p.pending, lastError: p.lastError };
    } catch {
      ok = false;
    }
    const llm = this.deps.config.llm;
    return {
      status: ok ? 'ready' : 'degraded',
      database: { ok, kind: this.deps.databaseKind, latencyMs: Math.round((performance.now() - t0) * 10) / 10 },
      embedder: { model: this.deps.embedder.model, dims: this.deps.embedder.dims },
      llm: { provider: llm.kind, model: llm.model ?? null, note: llm.kind === 'none' ? '未配置大模型：检索与问答使用确定性引擎 / no LLM: deterministic engines' : 'configured' },
      graph,
      corpus,
      jobs,
    };
  }
}
