import { AuditLog } from '../audit/index.ts';
import { AppError, decryptField, encryptField, isAppError, type Keyring, type Logger, newId } from '../core/index.ts';
import type { Database, Job, JobHandler, JobQueue } from '../store/index.ts';
import { type Check, type Connector, type ConnectorInput, ConnectorInputSchema, type HealthItem, SECRET_FIELDS } from './connector.schema.ts';
import { type ConnectorRow, ConnectorsRepository } from './connectors.repository.ts';
import { type ProbeResult, probe, type ResolvedConnector } from './probes.ts';

export const CONNECTORS_HEALTH_JOB = 'connectors.health';

/** The column key rotation must walk (keys/columns.ts registers it). */
export const CONNECTOR_ENCRYPTED_COLUMNS = [{ table: 'connectors', key: 'id', column: 'secrets', kind: 'json', owner: 'connectors' }] as const;

/** Check history older than this is pruned by the health job. */
const HISTORY_DAYS = 7;

export interface ConnectorsDeps {
  db: Database;
  jobs: JobQueue;
  /** The SM4 keyring from YZ_MASTER_KEY / YZ_MASTER_KEY_FILE; null when no key is configured. */
  keyring: Keyring | null;
  log: Logger;
  /** Seconds between scheduled health checks (YZ_CONNECTOR_CHECK_SECONDS). */
  checkSeconds: number;
  /** Per-probe timeout (YZ_CONNECTOR_TIMEOUT_MS). */
  timeoutMs: number;
}

function noKey(): AppError {
  return new AppError(
    'CONFIG_INVALID',
    '未配置主密钥，无法保存含密码/密钥的连接：请设置 YZ_MASTER_KEY（或 YZ_MASTER_KEY_FILE）后重启 / No master key configured: a connector with a password, API key or secret cannot be saved — set YZ_MASTER_KEY (or YZ_MASTER_KEY_FILE) and restart',
    { field: 'YZ_MASTER_KEY' },
  );
}

/**
 * Integration connectors (RIS, PACS, imaging AI, research databases, LLM endpoints) with health
 * monitoring. Secrets are SM4-encrypted with the runtime keyring before they reach the database and
 * are decrypted only in memory for a probe; the API never returns them. Without a master key a
 * connector that has a secret is refused (never stored in plaintext); connectors without secrets work.
 */
export class Connectors {
  readonly repo: ConnectorsRepository;
  private readonly audit = new AuditLog();

  constructor(private readonly deps: ConnectorsDeps) {
    this.repo = new ConnectorsRepository(deps.db);
  }

  jobHandlers(): Record<string, JobHandler> {
    return { [CONNECTORS_HEALTH_JOB]: { run: (job) => this.runHealthJob(job), onError: (job, e) => this.onHealthJobError(job, e) } };
  }

  async list(): Promise<Connector[]> {
    const [rows, latest] = await Promise.all([this.repo.list(), this.repo.latest()]);
    return rows.map((r) => view(r, latest.get(r.id) ?? null));
  }

  async get(id: string): Promise<Connector> {
    const row = await this.repo.get(id);
    const [last] = await this.repo.history(id, 1);
    return view(row, last ?? null);
  }

  async health(): Promise<HealthItem[]> {
    return (await this.list()).map((c) => ({
      id: c.id, name: c.name, kind: c.kind, enabled: c.enabled,
      status: c.last?.status ?? 'unknown', latencyMs: c.last?.latencyMs ?? null, error: c.last?.error ?? null, checkedAt: c.last?.checkedAt ?? null,
    }));
  }

  history(id: string, limit = 50): Promise<Check[]> {
    return this.repo.history(id, Math.max(1, Math.min(1000, limit)));
  }

  async create(input: unknown, actor: string): Promise<Connector> {
    const c = parse(input);
    const { config, secrets } = this.split(c, {});
    const id = newId('con');
    await this.deps.db.transaction(async (tx) => {
      await this.repo.insert(tx, { id, name: c.name, kind: c.kind, config, secrets, enabled: c.enabled, createdBy: actor });
      await this.audit.append(tx, { actor, action: 'connector.change', target: id, details: { op: 'create', name: c.name, kind: c.kind, secretFields: Object.keys(secrets) } });
    });
    if (c.enabled) await this.scheduleNext();
    return this.get(id);
  }

  async update(id: string, input: unknown, actor: string): Promise<Connector> {
    const c = parse(input);
    await this.deps.db.transaction(async (tx) => {
      const before = await this.repo.get(id, tx);
      // A changed kind makes the old secrets meaningless: they are dropped, not carried over.
      const { config, secrets } = this.split(c, before.kind === c.kind ? before.secrets : {});
      await this.repo.update(tx, id, { name: c.name, kind: c.kind, config, secrets, enabled: c.enabled });
      const changedSecrets = SECRET_FIELDS[c.kind].filter((f) => (c.config as Record<string, unknown>)[f] !== undefined);
      await this.audit.append(tx, {
        actor, action: 'connector.change', target: id,
        details: { op: 'update', name: c.name, kind: c.kind, enabled: c.enabled, secretsChanged: changedSecrets, configChanged: JSON.stringify(before.config) !== JSON.stringify(config) },
      });
    });
    if (c.enabled) await this.scheduleNext();
    return this.get(id);
  }

  async delete(id: string, actor: string): Promise<void> {
    await this.deps.db.transaction(async (tx) => {
      const row = await this.repo.delete(tx, id);
      await this.audit.append(tx, { actor, action: 'connector.change', target: id, details: { op: 'delete', name: row.name, kind: row.kind } });
    });
  }

  /** Probe one connector now and record the result (POST /api/connectors/:id/test). */
  async check(id: string, trigger: 'schedule' | 'manual' = 'manual'): Promise<Check> {
    const row = await this.repo.get(id);
    let result: ProbeResult;
    try {
      result = await probe(this.resolve(row), this.deps.timeoutMs);
    } catch (e) {
      // A secret that cannot be decrypted (wrong master key) is reported as the check's error, never bypassed.
      if (!isAppError(e)) throw e;
      result = { status: 'down', latencyMs: null, error: e.message };
    }
    return this.repo.addCheck(id, result, trigger);
  }

  /** Probe every enabled connector (concurrently; each probe has its own timeout). */
  async checkAll(trigger: 'schedule' | 'manual' = 'schedule'): Promise<number> {
    const rows = (await this.repo.list()).filter((r) => r.enabled);
    await Promise.all(rows.map((r) => this.check(r.id, trigger).catch((e) => this.deps.log.warn({ connectorId: r.id, err: String(e) }, 'connector check failed'))));
    return rows.length;
  }

  /**
   * An LLM connector's endpoint with its API key decrypted in memory, for making it the active model
   * (llm settings). NOT_FOUND for an unknown id; VALIDATION_FAILED for another kind or a disabled one.
   */
  async llmEndpoint(id: string): Promise<{ name: string; provider: 'ollama' | 'openai'; url: string; model: string; apiKey?: string }> {
    const row = await this.repo.get(id);
    if (row.kind !== 'llm') throw new AppError('VALIDATION_FAILED', `连接 ${row.name} 不是大模型连接 / connector ${row.name} is a ${row.kind} connector, not an LLM`, { field: 'connectorId' });
    if (!row.enabled) throw new AppError('VALIDATION_FAILED', `连接 ${row.name} 已停用 / connector ${row.name} is disabled`, { field: 'connectorId' });
    const c = this.resolve(row).config as { provider: 'ollama' | 'openai'; url: string; model: string; apiKey?: string };
    return { name: row.name, provider: c.provider, url: c.url, model: c.model, ...(c.apiKey ? { apiKey: c.apiKey } : {}) };
  }

  /** At start: queue the next scheduled check when there is something to check (idempotent across processes). */
  async ensureScheduled(): Promise<boolean> {
    if ((await this.repo.enabledCount()) === 0) return false;
    await this.scheduleNext();
    return true;
  }

  /**
   * Queue the check of the next slot. Slots are aligned to multiples of the interval, so every
   * process (and every re-queue) computes the same slot and the dedupe key keeps it to one job.
   */
  async scheduleNext(after = Date.now()): Promise<Job> {
    const ms = this.deps.checkSeconds * 1000;
    const at = new Date((Math.floor(after / ms) + 1) * ms);
    return this.deps.jobs.enqueue(this.deps.db, CONNECTORS_HEALTH_JOB, { scheduledFor: at.toISOString() }, {
      dedupeKey: `${CONNECTORS_HEALTH_JOB}:${at.toISOString()}`,
      runAfter: at,
      maxAttempts: 1,
    });
  }

  private async runHealthJob(job: Job): Promise<void> {
    // The chain continues whatever happens to this run; it stops by itself when nothing is enabled.
    const slot = Date.parse(String(job.payload.scheduledFor ?? '')) || Date.now();
    if ((await this.repo.enabledCount()) > 0) await this.scheduleNext(Math.max(Date.now(), slot));
    const checked = await this.checkAll('schedule');
    const pruned = await this.repo.prune(HISTORY_DAYS);
    await this.repo.pruneJobs(CONNECTORS_HEALTH_JOB);
    await this.deps.jobs.succeed(this.deps.db, job.id, { checked, pruned });
  }

  private async onHealthJobError(job: Job, error: unknown): Promise<void> {
    const info = isAppError(error) ? { code: error.code, message: error.message } : { code: 'INTERNAL', message: String((error as Error)?.message ?? error) };
    await this.deps.jobs.fail(job.id, info, true);
    // Make sure a failed run does not end the chain.
    if ((await this.repo.enabledCount().catch(() => 0)) > 0) await this.scheduleNext().catch(() => undefined);
    this.deps.log.warn({ jobId: job.id, code: info.code }, 'connector health run failed');
  }

  /**
   * Split a parsed input into stored config (no secrets) and encrypted secrets. An omitted secret
   * keeps `previous`, `null` clears it, a string is encrypted with the active key.
   */
  private split(c: ConnectorInput, previous: Record<string, string>): { config: Record<string, unknown>; secrets: Record<string, string> } {
    const config: Record<string, unknown> = { ...c.config };
    const secrets: Record<string, string> = {};
    for (const f of SECRET_FIELDS[c.kind]) {
      const v = config[f];
      delete config[f];
      if (typeof v === 'string') {
        if (!this.deps.keyring) throw noKey();
        secrets[f] = encryptField(v, this.deps.keyring, `connectors.${f}`);
      } else if (v === undefined && previous[f]) secrets[f] = previous[f];
    }
    return { config, secrets };
  }

  /** The config with its secrets decrypted, for a probe. Throws CONFIG_INVALID naming YZ_MASTER_KEY on a missing or wrong key. */
  private resolve(row: ConnectorRow): ResolvedConnector {
    const config: Record<string, unknown> = { ...row.config };
    for (const [f, token] of Object.entries(row.secrets)) {
      if (!this.deps.keyring) throw noKey();
      config[f] = decryptField(token, this.deps.keyring, `connectors.${f}`);
    }
    return { kind: row.kind, config } as ResolvedConnector;
  }
}

function parse(input: unknown): ConnectorInput {
  const r = ConnectorInputSchema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const path = (issue?.path ?? []).map(String);
  const field = path.join('.') || 'body';
  throw new AppError('VALIDATION_FAILED', `参数 ${field} 无效 / invalid ${field}: ${issue?.message ?? ''}`, { field });
}

function view(r: ConnectorRow, last: Check | null): Connector {
  const secretFields = Object.keys(r.secrets);
  return {
    id: r.id, name: r.name, kind: r.kind, enabled: r.enabled, config: r.config,
    hasSecret: secretFields.length > 0, secretFields,
    createdBy: r.createdBy, createdAt: r.createdAt, updatedAt: r.updatedAt, last,
  };
}
