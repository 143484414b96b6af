import { AuditLog } from '../../audit/index.ts';
import type { OutboundHttp } from '../../connectors/index.ts';
import { AppError, isAppError, type Lexicon, type Logger, newId, sha256Hex } from '../../core/index.ts';
import type { Database, Job, JobHandler, JobQueue } from '../../store/index.ts';
import { type AiClientOptions, runAiJob } from './ai-client.ts';
import { mapAiResult } from './ai-mapping.ts';
import { AiResultsRepository } from './ai.repository.ts';
import type { AiJobRequestWire, AiRequest, AiResult, AiResultRow, AiTask } from './ai.schemas.ts';

export const AI_JOB = 'imaging.ai';

/**
 * How imaging finds and reaches its connectors (connectors/ implements it): enabled connector of a kind,
 * secrets decrypted; and the connector HTTP client, which checks every connection against the network policy.
 */
export interface ConnectorEndpoints {
  endpointOf(kind: 'imaging_ai' | 'pacs', id?: string): Promise<{ id: string; name: string; config: Record<string, unknown> } | null>;
  readonly http: OutboundHttp;
}

export interface AiServiceDeps {
  db: Database;
  jobs: JobQueue;
  log: Logger;
  lexicon: Lexicon;
  connectors: ConnectorEndpoints;
  client: Pick<AiClientOptions, 'timeoutMs' | 'pollMs' | 'maxWaitMs'>;
  /** Wake the job runner after queueing (the server's runner). */
  wake?: () => void;
}

/**
 * Imaging-AI requests through the `imaging_ai` connector: each request is a row the user can see and a
 * durable job (`imaging.ai`) retried with backoff while the service is down (status `retrying` with the last
 * error), failed at once when the service answers with something outside the contract. Results are mapped
 * to graph entities; unknown labels are kept and listed.
 */
export class AiService {
  readonly repo: AiResultsRepository;
  private readonly audit = new AuditLog();

  constructor(private readonly deps: AiServiceDeps) {
    this.repo = new AiResultsRepository(deps.db);
  }

  jobHandlers(): Record<string, JobHandler> {
    return { [AI_JOB]: { run: (job) => this.runJob(job), onError: (job, e) => this.onJobError(job, e) } };
  }

  /** Is an enabled imaging-AI connector configured? */
  async configured(): Promise<boolean> {
    return (await this.deps.connectors.endpointOf('imaging_ai')) !== null;
  }

  async request(input: AiRequest, actor: string): Promise<AiResultRow> {
    const ep = await this.deps.connectors.endpointOf('imaging_ai', input.connectorId);
    if (!ep) {
      throw new AppError('NOT_CONFIGURED', input.connectorId ? `影像 AI 连接器 ${input.connectorId} 不存在或未启用 / imaging-AI connector ${input.connectorId} is missing or disabled` : '尚未配置影像 AI 连接器（集成页面）/ no imaging-AI connector is configured (Connectors page)', { field: 'connectorId' });
    }
    const id = newId('air');
    const row = await this.deps.db.transaction(async (tx) => {
      const r = await this.repo.insert(tx, { id, connectorId: ep.id, request: input, actor });
      const job = await this.deps.jobs.enqueue(tx, AI_JOB, { resultId: id }, { dedupeKey: `${AI_JOB}:${id}`, maxAttempts: 5 });
      await this.repo.setJob(tx, id, job.id);
      await this.audit.append(tx, { actor, action: 'imaging.ai_request', target: id, details: { task: input.task, connectorId: ep.id, jobId: job.id } });
      return { ...r, jobId: job.id };
    });
    this.deps.wake?.();
    return row;
  }

  /**
   * File a result document the user already has (contract format, validated by the route): mapped to graph
   * entities like a connector answer, unknown labels listed. Needs no connector. The same document imported
   * twice is one row (`created` false the second time).
   */
  async importResult(result: AiResult, actor: string): Promise<{ row: AiResultRow; created: boolean }> {
    const id = `air_${sha256Hex(JSON.stringify(result)).slice(0, 24)}`;
    const mapped = mapAiResult(result, this.deps.lexicon);
    const inserted = await this.deps.db.transaction(async (tx) => {
      const row = await this.repo.insertImported(tx, { id, result, ...mapped, actor });
      if (row) await this.audit.append(tx, { actor, action: 'imaging.ai_import', target: id, details: { task: result.task, model: row.model, findings: mapped.findings.length, unknownLabels: mapped.unknownLabels.length } });
      return row;
    });
    if (mapped.unknownLabels.length) this.deps.log.warn({ resultId: id, unknownLabels: mapped.unknownLabels }, 'imported imaging-AI result has labels outside the label map');
    return inserted ? { row: inserted, created: true } : { row: await this.get(id), created: false };
  }

  async get(id: string): Promise<AiResultRow> {
    const r = await this.repo.get(id);
    if (!r) throw new AppError('NOT_FOUND', `影像 AI 结果不存在 / unknown imaging-AI result ${id}`, { field: 'id' });
    const { request: _request, ...row } = r;
    return row;
  }

  list(f: { studyUid?: string; task?: AiTask; status?: string; limit?: number }): Promise<AiResultRow[]> {
    return this.repo.list(f);
  }

  private async runJob(job: Job): Promise<void> {
    const id = String(job.payload.resultId ?? '');
    const row = await this.repo.get(id);
    if (!row) throw new AppError('NOT_FOUND', `imaging-AI request ${id} is gone`);
    const ep = await this.deps.connectors.endpointOf('imaging_ai', row.connectorId ?? undefined);
    if (!ep) throw new AppError('NOT_CONFIGURED', '影像 AI 连接器已删除或停用 / the imaging-AI connector was deleted or disabled');
    await this.repo.markRunning(id);
    const pacs = await this.deps.connectors.endpointOf('pacs');
    const req = row.request;
    const wire: AiJobRequestWire = {
      task: req.task,
      study: { studyInstanceUid: req.studyUid, ...(req.seriesUid ? { seriesInstanceUid: req.seriesUid } : {}), ...(pacs?.config.wadoUrl ? { dicomWeb: { wadoUrl: String(pacs.config.wadoUrl) } } : {}) },
      ...(req.prompts ? { prompts: req.prompts } : {}),
      ...(req.labels ? { options: { labels: req.labels } } : {}),
    };
    const result = await runAiJob(this.deps.connectors.http, { url: String(ep.config.url), apiKey: typeof ep.config.apiKey === 'string' ? ep.config.apiKey : undefined }, wire, {
      ...this.deps.client,
      onProgress: (status, p) => this.deps.jobs.progress(this.deps.db, job.id, `ai ${status}`, Math.round((p ?? 0) * 100), 100).then(() => undefined),
    });
    const mapped = mapAiResult(result, this.deps.lexicon);
    await this.deps.db.transaction(async (tx) => {
      await this.repo.markDone(tx, id, { response: result, ...mapped });
      await this.deps.jobs.succeed(tx, job.id, { resultId: id, findings: mapped.findings.length, unknownLabels: mapped.unknownLabels });
    });
    if (mapped.unknownLabels.length) this.deps.log.warn({ resultId: id, unknownLabels: mapped.unknownLabels }, 'imaging-AI result has labels outside the label map');
  }

  private async onJobError(job: Job, e: unknown): Promise<void> {
    const info = isAppError(e) ? { code: e.code, message: e.message } : { code: 'INTERNAL', message: String((e as Error)?.message ?? e) };
    // Only an unavailable service is worth retrying; a bad answer or a missing connector will not change.
    const permanent = !(isAppError(e) && e.code === 'IMAGING_AI_UNAVAILABLE');
    const after = await this.deps.jobs.fail(job.id, info, permanent);
    await this.repo.markError(String(job.payload.resultId ?? ''), info.message, after?.status === 'failed');
    this.deps.log.warn({ jobId: job.id, code: info.code, final: after?.status === 'failed' }, 'imaging-AI attempt failed');
  }
}
