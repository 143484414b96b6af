import { AuditLog } from '../../audit/index.ts';
import { AppError, isAppError, type Logger, newId } from '../../core/index.ts';
import type { OutboundHttp } from '../../connectors/index.ts';
import type { Database, Job, JobHandler, JobQueue } from '../../store/index.ts';
import type { Draft } from '../draft.schema.ts';
import { toFhir } from '../export/fhir.ts';
import { parseHl7, toHl7 } from '../export/hl7.ts';
import type { Push, PushFormat, PushRequest, PushTarget } from './push.schema.ts';
import { PushesRepository } from './pushes.repository.ts';

export const PUSH_JOB = 'reporting.push';
const MAX_ATTEMPTS = 6;

/**
 * Where pushes go (runtime wires it to connectors/): an enabled RIS connector in REST mode, its URL checked
 * against the connector network policy (allow-list, no link-local or metadata addresses) at every use, and
 * again by the connector HTTP client for the connection itself.
 */
export interface PushTargets {
  list(): Promise<PushTarget[]>;
  /** The target's URL, or null when the connector is missing, disabled or not a REST RIS; throws TARGET_NOT_ALLOWED. */
  resolve(connectorId: string): Promise<{ id: string; name: string; url: string } | null>;
  /** How they are reached: the connector HTTP client (resolved once, every address checked, the checked one connected to). */
  http: OutboundHttp;
}

export interface OutboxDeps {
  db: Database;
  jobs: JobQueue;
  log: Logger;
  targets: PushTargets;
  draft: (id: string) => Promise<Draft>;
  timeoutMs: number;
  wake?: () => void;
}

const CONTENT_TYPE: Record<PushFormat, string> = { hl7: 'application/hl7-v2; charset=utf-8', fhir: 'application/fhir+json; charset=utf-8', json: 'application/json; charset=utf-8' };

/** The body a target receives: the draft in the chosen format, each carrying the provenance id and URL. */
export function pushBody(d: Draft, format: PushFormat, baseUrl: string): string {
  if (format === 'hl7') {
    const msg = toHl7(d, baseUrl);
    parseHl7(msg);
    return msg;
  }
  if (format === 'fhir') return JSON.stringify(toFhir(d, baseUrl));
  return JSON.stringify({
    provenance: { id: d.id, url: `${baseUrl}${d.provenanceUrl}`, template: `${d.templateId}@${d.templateVersion}`, engine: d.engine },
    findings: d.findings, impression: d.impression, followUp: d.followUpText, text: d.text,
    values: d.renderedValues.map((v) => ({ slot: v.slot, text: v.text, value: v.value, unit: v.unit, source: v.source })),
  });
}

/**
 * The report outbox: "insert into RIS" through a push target is a row (queued → sent, or retrying with its
 * last error → failed) and a durable job `reporting.push` retried with the queue's back-off while the target
 * is down (network error, timeout, 5xx, 429). A 4xx answer or a target the policy refuses fails at once. The
 * row id is sent as Idempotency-Key, so a delivery repeated after a crash can be recognised by the receiver;
 * a failed push can be retried by the user (the same job, attempts reset). The target's answer is never read
 * beyond its status code.
 */
export class ReportOutbox {
  private readonly repo = new PushesRepository();
  private readonly audit = new AuditLog();

  constructor(private readonly deps: OutboxDeps) {}

  jobHandlers(): Record<string, JobHandler> {
    return { [PUSH_JOB]: { run: (job) => this.run(job), onError: (job, e) => this.onError(job, e) } };
  }

  targets(): Promise<PushTarget[]> {
    return this.deps.targets.list();
  }

  async push(draftId: string, req: PushRequest, baseUrl: string, actor: string): Promise<Push> {
    const draft = await this.deps.draft(draftId);
    const target = await this.deps.targets.resolve(req.connectorId);
    if (!target) throw new AppError('NOT_FOUND', `推送目标 ${req.connectorId} 不存在、已停用或不是 REST 方式的 RIS 连接 / push target ${req.connectorId} is missing, disabled or not a REST RIS connector`, { field: 'connectorId' });
    const id = newId('psh');
    await this.deps.db.transaction(async (tx) => {
      await this.repo.insert(tx, { id, draftId: draft.id, connectorId: target.id, connectorName: target.name, format: req.format, baseUrl, createdBy: actor });
      const job = await this.deps.jobs.enqueue(tx, PUSH_JOB, { pushId: id }, { dedupeKey: `${PUSH_JOB}:${id}`, maxAttempts: MAX_ATTEMPTS });
      await this.repo.setJob(tx, id, job.id);
      await this.audit.append(tx, { actor, action: 'report.push', target: draft.id, details: { op: 'queue', pushId: id, connectorId: target.id, format: req.format, jobId: job.id } });
    });
    this.deps.wake?.();
    return this.get(id);
  }

  async get(id: string): Promise<Push> {
    const p = await this.repo.get(this.deps.db, id);
    if (!p) throw new AppError('NOT_FOUND', `推送记录不存在 / unknown push ${id}`, { field: 'id' });
    const { baseUrl: _b, ...push } = p;
    return push;
  }

  list(draftId: string): Promise<Push[]> {
    return this.repo.listByDraft(this.deps.db, draftId);
  }

  /** Try a failed push again (its job, attempts reset); a push that is queued, retrying or sent is a 409. */
  async retry(id: string, actor: string): Promise<Push> {
    const p = await this.get(id);
    await this.deps.db.transaction(async (tx) => {
      if (!p.jobId || !(await this.repo.requeue(tx, id)) || !(await this.deps.jobs.retry(p.jobId, tx))) {
        throw new AppError('STATE_CONFLICT', `只有失败的推送可以重试（当前：${p.status}）/ only a failed push can be retried (this one is ${p.status})`, { field: 'id' });
      }
      await this.audit.append(tx, { actor, action: 'report.push', target: p.draftId, details: { op: 'retry', pushId: id, connectorId: p.connectorId, jobId: p.jobId } });
    });
    this.deps.wake?.();
    return this.get(id);
  }

  private async run(job: Job): Promise<void> {
    const id = String(job.payload.pushId ?? '');
    const p = await this.repo.get(this.deps.db, id);
    if (!p) throw new AppError('NOT_FOUND', `push ${id} is gone`);
    if (p.status === 'sent') {
      await this.deps.db.transaction((tx) => this.deps.jobs.succeed(tx, job.id, { pushId: id, already: true }));
      return;
    }
    const target = await this.deps.targets.resolve(p.connectorId);
    if (!target) throw new AppError('NOT_FOUND', `推送目标 ${p.connectorName} 已删除、停用或改为非 REST 方式 / the push target ${p.connectorName} was deleted, disabled or is no longer REST`);
    const draft = await this.deps.draft(p.draftId);
    const status = await this.deliver(target.url, pushBody(draft, p.format, p.baseUrl), p, draft);
    await this.deps.db.transaction(async (tx) => {
      await this.repo.markSent(tx, id, status);
      await this.deps.jobs.succeed(tx, job.id, { pushId: id, status });
    });
  }

  private async deliver(url: string, body: string, p: Push & { baseUrl: string }, d: Draft): Promise<number> {
    let status: number;
    try {
      // The answer is hostile: only its status is used (the body is not read), and a redirect is not followed.
      ({ status } = await this.deps.targets.http.request(url, {
        method: 'POST',
        timeoutMs: this.deps.timeoutMs,
        maxBytes: 0,
        headers: {
          'content-type': CONTENT_TYPE[p.format],
          'idempotency-key': p.id,
          'x-yingzhi-provenance': d.id,
          'x-yingzhi-provenance-url': `${p.baseUrl}${d.provenanceUrl}`,
          'user-agent': 'YingZhi-report-push',
        },
        body,
      }));
    } catch (e) {
      const { category, detail } = e as { category?: string; detail?: string | null };
      if (category === 'NOT_ALLOWED') throw new AppError('TARGET_NOT_ALLOWED', `推送目标地址不被连接允许列表允许 / the push target's address is not allowed by the connector allow-list (${detail ?? 'refused'})`);
      throw new AppError('PUSH_TARGET_UNAVAILABLE', `推送目标不可达 / the push target is unreachable (${category ?? (e as Error).name})`);
    }
    if (status >= 500 || status === 429 || status === 408) throw new AppError('PUSH_TARGET_UNAVAILABLE', `推送目标暂时不可用 / the push target answered HTTP ${status}`, { details: { status } });
    if (status < 200 || status >= 300) throw new AppError('PUSH_REJECTED', `推送目标拒绝了报告 / the push target refused the report: HTTP ${status}`, { details: { status } });
    return status;
  }

  private async onError(job: Job, e: unknown): Promise<void> {
    const info = isAppError(e) ? { code: e.code, message: e.message } : { code: 'INTERNAL', message: String((e as Error)?.message ?? e) };
    const permanent = !(isAppError(e) && e.code === 'PUSH_TARGET_UNAVAILABLE');
    const after = await this.deps.jobs.fail(job.id, info, permanent);
    const status = isAppError(e) && typeof e.details?.status === 'number' ? e.details.status : null;
    await this.repo.markError(this.deps.db, String(job.payload.pushId ?? ''), info.message, status, after ? after.status === 'failed' : permanent);
    this.deps.log.warn({ jobId: job.id, code: info.code, final: after?.status === 'failed' }, 'report push attempt failed');
  }
}
