import pThrottle from 'p-throttle';
import { z } from 'zod';
import { AppError } from '../core/index.ts';

export interface EutilsOptions {
  /** E-utilities base, e.g. https://eutils.ncbi.nlm.nih.gov/entrez/eutils/ (or a hospital mirror/proxy). */
  baseUrl: string;
  apiKey?: string;
  email?: string;
  tool: string;
  timeoutMs: number;
  /** Retries after 429 / 5xx / network failure. */
  retries?: number;
  /** First backoff delay; doubles per retry (Retry-After wins when the server sends it). */
  backoffMs?: number;
  /** Requests per second; NCBI allows 3 without an API key and 10 with one. */
  requestsPerSecond?: number;
}

export interface SearchWindow {
  /** YYYY/MM/DD, inclusive, on the Entrez date (when the record entered PubMed). */
  minDate: string;
  maxDate: string;
}

export interface SearchResult {
  count: number;
  webEnv: string;
  queryKey: string;
  /** How PubMed understood the query (shown to the user next to the run). */
  translation: string | null;
  warnings: string[];
}

const ESearchSchema = z.object({
  esearchresult: z.object({
    count: z.string().optional(),
    webenv: z.string().optional(),
    querykey: z.string().optional(),
    querytranslation: z.string().optional(),
    ERROR: z.string().optional(),
    errorlist: z.object({ phrasesnotfound: z.array(z.string()).optional(), fieldsnotfound: z.array(z.string()).optional() }).partial().optional(),
    warninglist: z.object({ outputmessages: z.array(z.string()).optional(), quotedphrasesnotfound: z.array(z.string()).optional() }).partial().optional(),
  }),
});

/** efetch's answer when the history server no longer has the WebEnv (it expires after some hours). */
const HISTORY_EXPIRED = /Unable to obtain query|WebEnv.*(expired|not found)|cannot get document summary/i;

export class WebEnvExpired extends Error {}

/**
 * NCBI E-utilities over fetch: esearch with the history server, efetch in batches. Every request
 * carries tool/email/api_key, is throttled to NCBI's published rate, and is retried with
 * exponential backoff on 429, 5xx and network failures. p-retry would do the backoff but needs
 * Node 22; this loop is twelve lines.
 */
export class EutilsClient {
  private readonly throttled: <T>(fn: () => Promise<T>) => Promise<T>;
  readonly baseUrl: string;

  constructor(private readonly opts: EutilsOptions) {
    this.baseUrl = opts.baseUrl.endsWith('/') ? opts.baseUrl : `${opts.baseUrl}/`;
    const limit = opts.requestsPerSecond ?? (opts.apiKey ? 10 : 3);
    const throttle = pThrottle({ limit, interval: 1000 });
    this.throttled = throttle(<T>(fn: () => Promise<T>) => fn()) as <T>(fn: () => Promise<T>) => Promise<T>;
  }

  async esearch(term: string, window: SearchWindow, signal?: AbortSignal): Promise<SearchResult> {
    const body = await this.request('esearch.fcgi', {
      db: 'pubmed', term, usehistory: 'y', retmax: '0', retmode: 'json', datetype: 'edat', mindate: window.minDate, maxdate: window.maxDate,
    }, signal, 'query');
    let parsed: z.infer<typeof ESearchSchema>;
    try {
      parsed = ESearchSchema.parse(JSON.parse(body));
    } catch {
      throw new AppError('EUTILS_UNAVAILABLE', `esearch 返回了无法解析的内容 / esearch answered with unparseable content: ${body.slice(0, 200)}`, {
        details: { url: this.baseUrl },
      });
    }
    const r = parsed.esearchresult;
    const notFound = [...(r.errorlist?.phrasesnotfound ?? []), ...(r.errorlist?.fieldsnotfound ?? [])];
    if (r.ERROR || (notFound.length && Number(r.count ?? 0) === 0)) {
      const why = r.ERROR ?? `PubMed 无法识别 / not recognised: ${notFound.join(', ')}`;
      throw new AppError('EUTILS_QUERY_INVALID', `检索式有误 / the PubMed query was rejected: ${why}`, { field: 'query', details: { term, notFound } });
    }
    if (!r.webenv || !r.querykey) {
      throw new AppError('EUTILS_UNAVAILABLE', 'esearch 未返回 WebEnv / esearch returned no history (WebEnv)', { details: { url: this.baseUrl } });
    }
    return {
      count: Number(r.count ?? 0),
      webEnv: r.webenv,
      queryKey: r.querykey,
      translation: r.querytranslation ?? null,
      warnings: [...(r.warninglist?.outputmessages ?? []), ...(r.warninglist?.quotedphrasesnotfound ?? [])],
    };
  }

  /** One batch of PubmedArticleSet XML from the history server. Throws WebEnvExpired when it is gone. */
  async efetch(history: { webEnv: string; queryKey: string }, retstart: number, retmax: number, signal?: AbortSignal): Promise<string> {
    const body = await this.request('efetch.fcgi', {
      db: 'pubmed', WebEnv: history.webEnv, query_key: history.queryKey, retstart: String(retstart), retmax: String(retmax), retmode: 'xml',
    }, signal, 'fetch');
    const head = body.slice(0, 2000);
    if (!head.includes('<PubmedArticleSet') && (/<ERROR>/i.test(head) || HISTORY_EXPIRED.test(head))) {
      if (HISTORY_EXPIRED.test(head)) throw new WebEnvExpired(head);
      throw new AppError('EUTILS_UNAVAILABLE', `efetch 返回错误 / efetch error: ${head.replace(/<[^>]+>/g, ' ').trim().slice(0, 200)}`, { details: { url: this.baseUrl } });
    }
    return body;
  }

  private async request(path: string, params: Record<string, string>, signal: AbortSignal | undefined, what: 'query' | 'fetch'): Promise<string> {
    const url = new URL(path, this.baseUrl);
    const form = new URLSearchParams({ ...params, tool: this.opts.tool, ...(this.opts.email ? { email: this.opts.email } : {}), ...(this.opts.apiKey ? { api_key: this.opts.apiKey } : {}) });
    const retries = this.opts.retries ?? 4;
    let last: AppError | null = null;
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) await sleep(last?.details?.retryAfterMs as number | undefined ?? backoff(this.opts.backoffMs ?? 1000, attempt), signal);
      const result = await this.throttled(() => this.attempt(url, form, signal));
      if (result.ok) return result.body;
      if (result.status !== undefined && result.status >= 400 && result.status < 500 && result.status !== 429) {
        // A 4xx other than 429 will not get better by asking again: for esearch it is the query.
        const text = result.body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 300);
        throw new AppError(what === 'query' ? 'EUTILS_QUERY_INVALID' : 'EUTILS_UNAVAILABLE', `E-utilities ${path} 拒绝请求（HTTP ${result.status}）/ rejected: ${text}`, {
          field: what === 'query' ? 'query' : undefined,
          details: { status: result.status, url: url.origin },
        });
      }
      last = new AppError('EUTILS_UNAVAILABLE', `无法访问 PubMed E-utilities（${url.origin}）：${result.reason} / E-utilities unreachable after ${attempt + 1} attempt(s)`, {
        details: { url: url.origin, status: result.status ?? null, attempts: attempt + 1, retryAfterMs: result.retryAfterMs },
      });
    }
    throw last as AppError;
  }

  private async attempt(url: URL, form: URLSearchParams, outer?: AbortSignal): Promise<{ ok: true; body: string } | { ok: false; status?: number; body: string; reason: string; retryAfterMs?: number }> {
    const signal = outer ? AbortSignal.any([outer, AbortSignal.timeout(this.opts.timeoutMs)]) : AbortSignal.timeout(this.opts.timeoutMs);
    try {
      // POST: NCBI recommends it for long terms, and it keeps api_key out of proxy logs.
      const res = await fetch(url, { method: 'POST', body: form, signal, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      const body = await res.text();
      if (res.ok) return { ok: true, body };
      const ra = Number(res.headers.get('retry-after'));
      return { ok: false, status: res.status, body, reason: `HTTP ${res.status}`, retryAfterMs: Number.isFinite(ra) && ra > 0 ? Math.min(ra * 1000, 60_000) : undefined };
    } catch (e) {
      if (outer?.aborted) throw outer.reason;
      const err = e as Error & { cause?: { code?: string } };
      const reason = err.name === 'TimeoutError' ? `超时 ${this.opts.timeoutMs} ms / timed out` : (err.cause?.code ?? err.message);
      return { ok: false, body: '', reason };
    }
  }
}

function backoff(baseMs: number, attempt: number): number {
  return Math.min(60_000, baseMs * 2 ** (attempt - 1)) * (0.75 + Math.random() * 0.5);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(signal.reason);
    }, { once: true });
  });
}
