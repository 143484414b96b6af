import type { Queryable } from '../store/index.ts';

/** One model call (or response-cache hit) as recorded in `llm_usage` (migration 008). */
export interface LlmUsageRecord {
  provider: string;
  model: string;
  purpose?: string | null;
  streamed?: boolean;
  cacheHit?: boolean;
  promptTokens: number;
  completionTokens: number;
  latencyMs: number;
  /** AppError code of a failed call; absent when the model answered. */
  errorCode?: string | null;
  /** Streamed calls: ms to the first piece (the prompt-reading part of the latency). */
  firstTokenMs?: number | null;
}

export interface LlmUsageStats {
  /** Model calls made (cache hits not included), failed ones included. */
  calls: number;
  cacheHits: number;
  promptTokens: number;
  completionTokens: number;
  /** Latency percentiles of answered calls; null when there were none. */
  p50Ms: number | null;
  p95Ms: number | null;
  /** Start of the window (ISO time). */
  since: string;
}

/** Default window of the statistics. */
export const USAGE_WINDOW_HOURS = 24;

/** Token accounting and latency per model call, in the product database (shared by every process). */
export class LlmUsageRepository {
  constructor(private readonly db: Queryable) {}

  /** Append one record. */
  async record(r: LlmUsageRecord): Promise<void> {
    await this.db.query(
      `INSERT INTO llm_usage (provider, model, purpose, streamed, cache_hit, prompt_tokens, completion_tokens, latency_ms, error_code, first_token_ms)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        r.provider, r.model, r.purpose ?? null, r.streamed ?? false, r.cacheHit ?? false, r.promptTokens, r.completionTokens, Math.round(r.latencyMs), r.errorCode ?? null,
        r.firstTokenMs === undefined || r.firstTokenMs === null ? null : Math.round(r.firstTokenMs),
      ],
    );
  }

  /**
   * Measured speed of one model over the window: prompt tokens/s from the time to the first streamed piece,
   * generation tokens/s from the rest of streamed calls. Null where no streamed answer was recorded.
   */
  async speed(provider: string, model: string, since = new Date(Date.now() - USAGE_WINDOW_HOURS * 3600_000)): Promise<{ promptTokensPerSec: number | null; genTokensPerSec: number | null; calls: number }> {
    const { rows } = await this.db.query<{ n: number; pt: number; ft: number; ct: number; gt: number }>(
      `SELECT count(*)::int AS n,
              coalesce(sum(prompt_tokens), 0)::float8 AS pt, coalesce(sum(first_token_ms), 0)::float8 AS ft,
              coalesce(sum(completion_tokens), 0)::float8 AS ct, coalesce(sum(latency_ms - first_token_ms), 0)::float8 AS gt
       FROM llm_usage
       WHERE provider = $1 AND model = $2 AND at >= $3 AND streamed AND NOT cache_hit AND error_code IS NULL AND first_token_ms IS NOT NULL`,
      [provider, model, since.toISOString()],
    );
    const r = rows[0];
    const rate = (tokens: number, ms: number) => (r && r.n > 0 && ms > 0 ? Math.round((tokens / ms) * 10_000) / 10 : null);
    return { promptTokensPerSec: rate(Number(r?.pt), Number(r?.ft)), genTokensPerSec: rate(Number(r?.ct), Number(r?.gt)), calls: r?.n ?? 0 };
  }

  /** Totals and latency percentiles since `since` (default: the last USAGE_WINDOW_HOURS hours). */
  async stats(since = new Date(Date.now() - USAGE_WINDOW_HOURS * 3600_000)): Promise<LlmUsageStats> {
    const { rows } = await this.db.query<{ calls: number; hits: number; pt: number; ct: number; p50: number | null; p95: number | null }>(
      `SELECT count(*) FILTER (WHERE NOT cache_hit)::int AS calls,
              count(*) FILTER (WHERE cache_hit)::int AS hits,
              coalesce(sum(prompt_tokens) FILTER (WHERE NOT cache_hit), 0)::int AS pt,
              coalesce(sum(completion_tokens) FILTER (WHERE NOT cache_hit), 0)::int AS ct,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) FILTER (WHERE NOT cache_hit AND error_code IS NULL)::float8 AS p50,
              percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) FILTER (WHERE NOT cache_hit AND error_code IS NULL)::float8 AS p95
       FROM llm_usage WHERE at >= $1`,
      [since.toISOString()],
    );
    const r = rows[0];
    const ms = (v: number | null | undefined) => (v === null || v === undefined ? null : Math.round(Number(v)));
    return {
      calls: r?.calls ?? 0,
      cacheHits: r?.hits ?? 0,
      promptTokens: r?.pt ?? 0,
      completionTokens: r?.ct ?? 0,
      p50Ms: ms(r?.p50),
      p95Ms: ms(r?.p95),
      since: since.toISOString(),
    };
  }
}
