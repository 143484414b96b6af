import type { FetchLike } from '../connectors/index.ts';
import { AppError } from '../core/index.ts';
import type { FinishReason } from './provider.ts';

/** What every provider needs to know (from core/config.ts LlmConfig). */
export interface ProviderOptions {
  url: string;
  model: string;
  apiKey?: string;
  /** Bound on each HTTP attempt (streaming: on the wait for each next piece). */
  timeoutMs: number;
  /** Ollama context window (`options.num_ctx`). */
  numCtx?: number;
  /** Retries after a transient failure (network, 429, 5xx). Default 2. */
  retries?: number;
  /** First backoff delay; doubles per retry, with jitter. Default 500 ms. */
  backoffMs?: number;
  /** The HTTP client; default: the outbound client allowing exactly the host of `url` (connectors' configuredTargetFetch). */
  fetch?: FetchLike;
}

/** A failure worth another attempt: the error to report if none is left, and the server's Retry-After. */
export class TransientFailure extends Error {
  constructor(
    readonly error: AppError,
    readonly retryAfterMs?: number,
  ) {
    super(error.message);
  }
}

/**
 * One HTTP attempt's cancellation: the caller's signal plus a timeout. `touch()` restarts the timeout
 * (streaming: each piece received); `timedOut` tells a timeout from the caller's abort.
 */
export class AttemptGuard {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private expired = false;
  private readonly onAbort = () => this.controller.abort(this.outer?.reason);

  constructor(
    private readonly timeoutMs: number,
    private readonly outer?: AbortSignal,
  ) {
    if (outer?.aborted) this.controller.abort(outer.reason);
    else outer?.addEventListener('abort', this.onAbort, { once: true });
    this.touch();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get timedOut(): boolean {
    return this.expired;
  }

  touch(): void {
    clearTimeout(this.timer);
    if (this.controller.signal.aborted) return;
    this.timer = setTimeout(() => {
      this.expired = true;
      this.controller.abort(new DOMException('LLM request timed out', 'TimeoutError'));
    }, this.timeoutMs);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.outer?.removeEventListener('abort', this.onAbort);
  }
}

/** Builds the errors a provider throws; every message names the server and the model. */
export class LlmErrors {
  constructor(
    private readonly kind: string,
    private readonly url: string,
    private readonly model: string,
  ) {}

  private details() {
    return { url: this.url, model: this.model };
  }

  unavailable(what: string, cause?: unknown, field = 'YZ_LLM_URL'): AppError {
    return new AppError('LLM_UNAVAILABLE', `大模型服务不可用 / LLM ${this.kind}:${this.model} at ${this.url} ${what}`, { field, details: this.details(), cause });
  }

  timeout(ms: number): AppError {
    return new AppError('LLM_TIMEOUT', `大模型响应超时 / LLM ${this.kind}:${this.model} at ${this.url} did not answer within ${ms} ms (YZ_LLM_TIMEOUT_MS)`, {
      field: 'YZ_LLM_TIMEOUT_MS',
      details: { ...this.details(), timeoutMs: ms },
    });
  }

  /**
   * An HTTP error status: 429/5xx are transient; 401/403/404 mean the configuration is wrong (key, URL or
   * model name); any other 4xx rejects this request only (context too long, bad parameter).
   */
  status(status: number, body: string, retryAfter?: string | null): AppError | TransientFailure {
    const what = `answered HTTP ${status}: ${body.slice(0, 200)}`;
    if (status === 429 || status >= 500) return new TransientFailure(this.unavailable(what), parseRetryAfter(retryAfter));
    if (status === 401 || status === 403) return this.unavailable(what, undefined, 'YZ_LLM_API_KEY');
    if (status === 404) return this.unavailable(`${what} (is YZ_LLM_MODEL=${this.model} pulled/served, and YZ_LLM_URL right?)`, undefined, 'YZ_LLM_MODEL');
    return new AppError('LLM_REJECTED', `大模型拒绝了请求 / LLM ${this.kind}:${this.model} at ${this.url} rejected the request: HTTP ${status}: ${body.slice(0, 200)}`, {
      details: { ...this.details(), status },
    });
  }
}

/**
 * Run `attempt` until it succeeds, throws something other than TransientFailure, or retries run out.
 * Backoff: `backoffMs · 2^n` with ±25 % jitter, or the server's Retry-After (capped at 30 s). An abort
 * during the backoff rejects at once with the signal's reason.
 */
export async function withRetries<T>(
  opts: { retries: number; backoffMs: number; signal?: AbortSignal },
  attempt: (n: number) => Promise<T>,
): Promise<{ value: T; attempts: number }> {
  for (let n = 1; ; n++) {
    try {
      return { value: await attempt(n), attempts: n };
    } catch (e) {
      if (!(e instanceof TransientFailure)) throw e;
      if (n > opts.retries) throw e.error;
      const backoff = e.retryAfterMs ?? opts.backoffMs * 2 ** (n - 1) * (0.75 + Math.random() * 0.5);
      await sleep(Math.min(backoff, 30_000), opts.signal);
    }
  }
}

function parseRetryAfter(v: string | null | undefined): number | undefined {
  if (!v) return undefined;
  const seconds = Number(v);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** `base` + `path` with exactly one slash between them. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

/** `fetch failed` hides the useful part (ECONNREFUSED, ENOTFOUND…) in its cause. */
export function networkReason(e: unknown): string {
  const err = e as { message?: string; cause?: { code?: string; message?: string } };
  return [err?.message, err?.cause?.code ?? err?.cause?.message].filter(Boolean).join(': ') || String(e);
}

/** OpenAI `finish_reason` / Ollama `done_reason` → ours (`function_call` is the legacy name of `tool_calls`). */
export function finishReasonOf(r: string | null | undefined): FinishReason | undefined {
  if (r === 'length') return 'length';
  if (r === 'tool_calls' || r === 'function_call') return 'tool_calls';
  return r ? 'stop' : undefined;
}
