import { AuditLog } from '../audit/index.ts';
import { AppError, isAppError, type Keyring, type Logger, newId } from '../core/index.ts';
import type { Database, Job, JobHandler, JobQueue } from '../store/index.ts';
import { ConnectorAllowlist } from './allowlist.service.ts';
import { type Check, type Connector, type ConnectorInput, ConnectorInputSchema, type ConnectorKind, type HealthItem, parseInput, SECRET_FIELDS } from './connector.schema.ts';
import { type ConnectorRow, ConnectorsRepository } from './connectors.repository.ts';
import type { Lookup } from './network-policy.ts';
import { type OutboundHttp, policyHttp } from './outbound-http.ts';
import { type ProbeResult, probe, type ResolvedConnector } from './probes.ts';
import { openSecret, sealSecret, targetKey, targetsOf } from './targets.ts';

export const CONNECTORS_HEALTH_JOB = 'connectors.health';

/** The column key rotation must walk (keys/columns.ts registers it). */
export const CONNECTOR_ENCRYPTED_COLUMNS = [{ table: 'connectors', key: 'id', column: 'secrets', kind: 'json', owner: 'connectors' }] as const;

/** Check history older than this is pruned by the health job. */
const HISTORY_DAYS = 7;

export interface ConnectorsDeps {
  db: Database;
  jobs: JobQueue;
  /** The installation keyring (YZ_MASTER_KEY, YZ_MASTER_KEY_FILE or the generated key file: always present). */
  keyring: Keyring;
  log: Logger;
  /** Seconds between scheduled health checks (YZ_CONNECTOR_CHECK_SECONDS). */
  checkSeconds: number;
  /** Per-probe timeout (YZ_CONNECTOR_TIMEOUT_MS). */
  timeoutMs: number;
  /** Host name resolution for the network policy (tests pass their own). */
  lookup?: Lookup;
}

/**
 * Integration connectors (RIS, PACS, imaging AI, research databases, LLM endpoints) with health
 * monitoring. Secrets are SM4-encrypted with the runtime keyring, bound to the target they were entered
 * for (scheme, host, port; database host and name), and decrypted only in memory for a probe of that
 * same target; the API never returns them. Changing a connector's target while keeping its stored
 * secret is refused (SECRET_REENTRY_REQUIRED, 409): the secret must be entered again for the new target,
 * or cleared. Secrets are never stored in plaintext.
 *
 * Targets are checked against the network policy (allow-list, denied link-local and metadata addresses)
 * when saved and again at every probe; probes connect to the checked address and record categorised
 * errors only.
 */
export class Connectors {
  readonly repo: ConnectorsRepository;
  /** Where connectors may connect: the admin's allow-list and the policy built from it. */
  readonly allowlist: ConnectorAllowlist;
  /**
   * HTTP to connector targets for the capabilities that call them (report push, imaging AI, PACS): the
   * allow-list as it stands at each request, resolved once, connected to the checked address only.
   */
  readonly http: OutboundHttp;
  private readonly audit = new AuditLog();

  constructor(private readonly deps: ConnectorsDeps) {
    this.repo = new ConnectorsRepository(deps.db);
    this.allowlist = new ConnectorAllowlist(deps);
    this.http = policyHttp(() => this.allowlist.policy());
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

  /**
   * An enabled connector of `kind` (the one with `id` when given) with its secrets decrypted in memory, for a
   * capability that calls it (imaging AI, PACS); null when none is configured and enabled.
   */
  async endpointOf(kind: ConnectorKind, id?: string): Promise<{ id: string; name: string; config: Record<string, unknown> } | null> {
    const row = (await this.repo.list()).find((r) => r.kind === kind && r.enabled && (!id || r.id === id));
    if (!row) return null;
    // Checked at every use, like every probe: the allow-list may have narrowed since the connector was saved.
    await this.assertAllowed(row);
    return { id: row.id, name: row.name, config: this.resolve(row).config as Record<string, unknown> };
  }

  async health(): Promise<HealthItem[]> {
    return (await this.list()).map((c) => ({
      id: c.id, name: c.name, kind: c.kind, enabled: c.enabled,
      status: c.last?.status ?? 'unknown', latencyMs: c.last?.latencyMs ?? null, error: c.last?.error ?? null, detail: c.last?.detail ?? null,
      checkedAt: c.last?.checkedAt ?? null,
    }));
  }

  history(id: string, limit = 50): Promise<Check[]> {
    return this.repo.history(id, Math.max(1, Math.min(1000, limit)));
  }

  async create(input: unknown, actor: string): Promise<Connector> {
    const c = parse(input);
    await this.assertAllowed(c);
    const { config, secrets } = this.split(c, null);
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
    await this.assertAllowed(c);
    await this.deps.db.transaction(async (tx) => {
      const before = await this.repo.get(id, tx);
      // A changed kind makes the old secrets meaningless: they are dropped, not carried over.
      const { config, secrets } = this.split(c, before.kind === c.kind ? before : null);
      await this.repo.update(tx, id, { name: c.name, kind: c.kind, config, secrets, enabled: c.enabled });
      const changedSecrets = SECRET_FIELDS[c.kind].filter((f) => (c.config as Record<string, unknown>)[f] !== undefined);
      const targetChanged = targetKey(targetsOf(before.kind, before.config)) !== targetKey(targetsOf(c.kind, config));
      await this.audit.append(tx, {
        actor, action: 'connector.change', target: id,
        details: {
          op: 'update', name: c.name, kind: c.kind, enabled: c.enabled, secretsChanged: changedSecrets, targetChanged,
          configChanged: JSON.stringify(before.config) !== JSON.stringify(config),
        },
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
  /** Probe now and record the result; a manual test names its actor and is audited (connector.test). */
  async check(id: string, trigger: 'schedule' | 'manual' = 'manual', actor?: string): Promise<Check> {
    const row = await this.repo.get(id);
    const result = await this.probeRow(row);
    const check = await this.repo.addCheck(id, result, trigger);
    if (actor) await this.audit.append(this.deps.db, { actor, action: 'connector.test', target: id, details: { name: row.name, kind: row.kind, status: result.status } });
    return check;
  }

  private async probeRow(row: ConnectorRow): Promise<ProbeResult> {
    let resolved: ResolvedConnector;
    try {
      resolved = this.resolve(row);
    } catch (e) {
      // A secret that cannot be released (no key, wrong key, bound to another target) fails the check; it is never bypassed.
      if (!isAppError(e)) throw e;
      return { status: 'down', latencyMs: null, error: 'SECRET_UNAVAILABLE', detail: secretProblem(e) };
    }
    return probe(resolved, { timeoutMs: this.deps.timeoutMs, policy: await this.allowlist.policy() });
  }

  /** Refuse a target the policy rules out (a host that does not resolve yet is accepted: its checks will say so). */
  private async assertAllowed(c: { kind: ConnectorKind; config: unknown }): Promise<void> {
    const policy = await this.allowlist.policy();
    for (const t of targetsOf(c.kind, c.config as Record<string, unknown>)) {
      const d = await policy.decide(t.host, this.deps.timeoutMs);
      if (d.ok || d.reason === 'dns') continue;
      throw new AppError(
        'TARGET_NOT_ALLOWED',
        d.reason === 'denied'
          ? `${t.host} 是链路本地或云元数据地址，连接不允许访问（除非管理员在允许列表中明确列出）/ ${t.host} is a link-local or cloud metadata address: connectors may not reach it unless an admin lists it explicitly`
          : `${t.host} 不在连接允许的网络内，请管理员在“集成 → 允许的目标”中添加 / ${t.host} is not in the connector allow-list: an admin can add it under Connectors → Allowed targets`,
        { field: `config.${t.field}`, details: { reason: d.reason } },
      );
    }
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
    await this.assertAllowed(row);
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
   * Split a parsed input into stored config (no secrets) and encrypted secrets bound to the config's
   * target. A string is sealed with the active key; `null` clears the field; an omitted secret keeps the
   * stored one of `previous` (same kind) only while the target is unchanged, otherwise it must be entered
   * again (SECRET_REENTRY_REQUIRED) — a stored secret never follows its connector to another host.
   */
  private split(c: ConnectorInput, previous: ConnectorRow | null): { config: Record<string, unknown>; secrets: Record<string, string> } {
    const config: Record<string, unknown> = { ...c.config };
    for (const f of SECRET_FIELDS[c.kind]) delete config[f];
    const target = targetKey(targetsOf(c.kind, config));
    const moved = previous !== null && targetKey(targetsOf(previous.kind, previous.config)) !== target;
    const secrets: Record<string, string> = {};
    for (const f of SECRET_FIELDS[c.kind]) {
      const v = (c.config as Record<string, unknown>)[f];
      if (typeof v === 'string') {
        secrets[f] = sealSecret(v, target, this.deps.keyring, f);
      } else if (v === undefined && previous?.secrets[f]) {
        if (moved) {
          throw new AppError(
            'SECRET_REENTRY_REQUIRED',
            `连接目标已更改，已保存的 ${f} 是为原目标输入的：请重新输入，或将其清除 / the target changed: the stored ${f} was entered for the old target — enter it again, or clear it`,
            { field: `config.${f}` },
          );
        }
        secrets[f] = previous.secrets[f];
      }
    }
    return { config, secrets };
  }

  /** The config with its secrets released for its current target, for a probe. Throws when a secret cannot be released. */
  private resolve(row: ConnectorRow): ResolvedConnector {
    const config: Record<string, unknown> = { ...row.config };
    const target = targetKey(targetsOf(row.kind, row.config));
    for (const [f, token] of Object.entries(row.secrets)) {
      config[f] = openSecret(token, target, this.deps.keyring, f);
    }
    return { kind: row.kind, config } as ResolvedConnector;
  }
}

/** A fixed description of why a secret could not be released (never key material or the error's text). */
function secretProblem(e: { code: string }): string {
  if (e.code === 'SECRET_REENTRY_REQUIRED') return 'secret entered for another target: re-enter it';
  return 'secret cannot be decrypted: wrong master key?';
}

function parse(input: unknown): ConnectorInput {
  return parseInput(ConnectorInputSchema, input);
}

function view(r: ConnectorRow, last: Check | null): Connector {
  const secretFields = Object.keys(r.secrets);
  return {
    id: r.id, name: r.name, kind: r.kind, enabled: r.enabled, config: r.config,
    hasSecret: secretFields.length > 0, secretFields,
    createdBy: r.createdBy, createdAt: r.createdAt, updatedAt: r.updatedAt, last,
  };
}
