import type { OutboundHttp } from '../../connectors/index.ts';
import { AppError } from '../../core/index.ts';
import { type AiJobRequestWire, AiJobStatusSchema, type AiResult } from './ai.schemas.ts';
import { MAX_JSON_BYTES } from '../dicomweb.ts';

export interface AiEndpoint {
  /** The service base URL (the `imaging_ai` connector's url). */
  url: string;
  apiKey?: string;
}

export interface AiClientOptions {
  timeoutMs: number;
  pollMs: number;
  maxWaitMs: number;
  onProgress?: (status: string, progress: number | null) => Promise<void> | void;
  signal?: AbortSignal;
}

const base = (u: string) => u.replace(/\/+$/, '');

/**
 * Client of the imaging-AI HTTP contract: POST {base}/v1/jobs, then (for 202) poll GET {base}/v1/jobs/{id}
 * until it succeeds or fails. Network errors, timeouts and 5xx/429 are IMAGING_AI_UNAVAILABLE (the job
 * retries them); a 4xx or an answer that is not the contract is IMAGING_AI_BAD_RESULT (no retry helps).
 * Every answer is hostile input: parsed with zod, never evaluated.
 */
export async function runAiJob(http: OutboundHttp, ep: AiEndpoint, req: AiJobRequestWire, opts: AiClientOptions): Promise<AiResult> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (ep.apiKey) headers.authorization = `Bearer ${ep.apiKey}`;
  const first = await call(http, `${base(ep.url)}/v1/jobs`, { method: 'POST', headers, body: JSON.stringify(req) }, opts);
  let status = parse(first.body, 'POST /v1/jobs');
  const started = Date.now();
  while (status.status === 'queued' || status.status === 'running') {
    await opts.onProgress?.(status.status, status.progress ?? null);
    if (Date.now() - started > opts.maxWaitMs) throw new AppError('IMAGING_AI_UNAVAILABLE', `影像 AI 任务超时（${Math.round(opts.maxWaitMs / 1000)} 秒未完成）/ the imaging-AI job did not finish within ${Math.round(opts.maxWaitMs / 1000)} s`);
    await new Promise((r) => setTimeout(r, opts.pollMs));
    const next = await call(http, `${base(ep.url)}/v1/jobs/${encodeURIComponent(status.jobId)}`, { method: 'GET', headers }, opts);
    status = parse(next.body, 'GET /v1/jobs/{id}');
  }
  if (status.status === 'failed') {
    throw new AppError('IMAGING_AI_BAD_RESULT', `影像 AI 任务失败 / the imaging-AI service failed the job: ${status.error?.code ?? 'ERROR'} ${String(status.error?.message ?? '').slice(0, 300)}`);
  }
  if (!status.result) throw new AppError('IMAGING_AI_BAD_RESULT', '影像 AI 返回成功但没有结果 / the imaging-AI service reported success without a result');
  if (status.result.task !== req.task || status.result.studyInstanceUid !== req.study.studyInstanceUid) {
    throw new AppError('IMAGING_AI_BAD_RESULT', `影像 AI 返回了另一个任务或检查的结果 / the result is for task ${status.result.task} / study ${status.result.studyInstanceUid}, not the one requested`);
  }
  return status.result;
}

async function call(http: OutboundHttp, url: string, init: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string }, opts: AiClientOptions): Promise<{ body: unknown }> {
  let res: { status: number; body: Buffer };
  try {
    // Through the connector client: the address is checked at each call and connected to as checked; no redirect is followed.
    res = await http.request(url, { ...init, timeoutMs: opts.timeoutMs, maxBytes: MAX_JSON_BYTES, signal: opts.signal });
  } catch (e) {
    const { category, detail } = e as { category?: string; detail?: string | null };
    if (category === 'RESPONSE_TOO_LARGE') throw new AppError('IMAGING_AI_BAD_RESULT', `影像 AI 的应答超过 ${MAX_JSON_BYTES >> 20} MB / the imaging-AI answer is larger than ${MAX_JSON_BYTES >> 20} MB`);
    if (category === 'NOT_ALLOWED') throw new AppError('TARGET_NOT_ALLOWED', `影像 AI 服务的地址不被连接允许列表允许 / the imaging-AI service's address is not allowed by the connector allow-list (${detail ?? 'refused'})`);
    throw new AppError('IMAGING_AI_UNAVAILABLE', `影像 AI 服务不可达 / the imaging-AI service is unreachable (${category ?? (e as Error).name})`);
  }
  const text = res.body.toString('utf8');
  if (res.status >= 500 || res.status === 429) throw new AppError('IMAGING_AI_UNAVAILABLE', `影像 AI 服务暂时不可用 / the imaging-AI service answered ${res.status}`);
  if (res.status >= 300) throw new AppError('IMAGING_AI_BAD_RESULT', `影像 AI 拒绝了请求 / the imaging-AI service refused the request: ${res.status} ${text.slice(0, 300)}`);
  try {
    return { body: JSON.parse(text) };
  } catch {
    throw new AppError('IMAGING_AI_BAD_RESULT', `影像 AI 返回的不是 JSON / the imaging-AI service answered something that is not JSON (${text.slice(0, 80)})`);
  }
}

function parse(body: unknown, what: string) {
  const r = AiJobStatusSchema.safeParse(body);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new AppError('IMAGING_AI_BAD_RESULT', `影像 AI 的应答不符合接口约定 / ${what}: the answer does not follow the contract (${issue?.path.join('.') || 'body'}: ${issue?.message})`);
  }
  return r.data;
}
