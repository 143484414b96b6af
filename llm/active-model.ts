import type { LlmConfig } from '../core/config.ts';
import { AppError, type Logger } from '../core/index.ts';
import { buildLlmStack, createProvider, type LlmStackDeps } from './create-provider.ts';
import { decorate } from './decorate.ts';
import type { LlmSettingsRepository, LlmSettingsRow } from './llm-settings.repository.ts';
import type { LlmProvider } from './provider.ts';

/** An LLM connector's endpoint (connectors/), resolved with its key in memory. */
export type ConnectorEndpoint = { name: string; provider: 'ollama' | 'openai'; url: string; model: string; apiKey?: string };

export interface ActiveModelDeps extends LlmStackDeps {
  /** The environment's choice (YZ_LLM…): used while Settings holds none. */
  env: LlmConfig;
  settings: LlmSettingsRepository;
  resolveConnector(id: string): Promise<ConnectorEndpoint>;
  log?: Logger;
}

/** Where the active model came from. */
export type ModelSource = { kind: 'environment' } | { kind: 'settings'; version: number; updatedBy: string; updatedAt: string; connector?: string };

/**
 * The model every feature uses right now: the environment's (YZ_LLM…) unless an admin chose another in
 * Settings (llm_settings, shared by every process). `current` is read at each use (chat, extraction), so
 * a switch takes effect for the next call; calls already running finish on the model they started with,
 * which is closed (an embedded model unloaded) once they are done. Other processes notice a change by
 * the row's version, polled every few seconds.
 */
export class ActiveModel {
  private provider: LlmProvider | null = null;
  private config: LlmConfig;
  private src: ModelSource = { kind: 'environment' };
  private version = -1;
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | null = null;

  constructor(private readonly deps: ActiveModelDeps) {
    this.config = deps.env;
  }

  /** The active model (decorated: de-identification, prompted tools, metering), or null for none. */
  get current(): LlmProvider | null {
    return this.provider;
  }

  /** The configuration in effect (environment merged with Settings). */
  get effective(): LlmConfig {
    return this.config;
  }

  get source(): ModelSource {
    return this.src;
  }

  /** Read Settings and build the model (nothing is loaded or contacted: call `current.init()` for that). */
  async init(): Promise<void> {
    await this.refresh(true);
  }

  /** Look at Settings' version every `ms` (other processes' switches); unref'd, stopped by close(). */
  poll(ms = 5000): void {
    clearInterval(this.timer);
    this.timer = setInterval(() => void this.refresh().catch((e) => this.deps.log?.warn({ err: String(e) }, 'llm settings refresh failed')), ms);
    this.timer.unref();
  }

  /** Rebuild when Settings changed since the last look (or always with `force`). */
  refresh(force = false): Promise<void> {
    this.refreshing ??= this.doRefresh(force).finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  /**
   * The configuration a Settings row stands for, checked and built but not installed: used to try a choice
   * before it is saved. Throws what building throws (CONFIG_INVALID, connector errors).
   */
  async configFor(row: Pick<LlmSettingsRow, 'kind' | 'model' | 'url' | 'modelFile' | 'connectorId'> | null): Promise<{ config: LlmConfig; connector?: string }> {
    const env = this.deps.env;
    if (!row) return { config: env };
    if (row.kind === 'connector') {
      const c = await this.deps.resolveConnector(row.connectorId ?? '');
      return { config: { ...env, kind: c.provider, url: c.url, model: c.model, apiKey: c.apiKey, modelFile: undefined, concurrency: env.kind === 'embedded' ? 2 : env.concurrency, timeoutMs: Math.min(env.timeoutMs, 120_000) }, connector: c.name };
    }
    if (row.kind === 'embedded') {
      const timeoutMs = env.kind === 'embedded' ? env.timeoutMs : Math.max(env.timeoutMs, 600_000);
      return { config: { ...env, kind: 'embedded', model: row.model ?? undefined, modelFile: row.modelFile ?? undefined, url: undefined, apiKey: undefined, concurrency: env.kind === 'embedded' ? env.concurrency : 1, timeoutMs } };
    }
    if (row.kind === 'none') return { config: { ...env, kind: 'none' } };
    const sameServer = env.kind === row.kind && env.url === row.url;
    return { config: { ...env, kind: row.kind, url: row.url ?? undefined, model: row.model ?? undefined, apiKey: sameServer ? env.apiKey : undefined, modelFile: undefined } };
  }

  /** Build the decorated provider of `config` (null for none). */
  build(config: LlmConfig): LlmProvider | null {
    const raw = createProvider(config);
    return raw && buildLlmStack(raw, this.deps);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.refreshing?.catch(() => undefined);
    const p = this.provider;
    this.provider = null;
    await p?.close();
  }

  private async doRefresh(force: boolean): Promise<void> {
    const version = await this.deps.settings.version();
    if (!force && version === this.version) return;
    const row = version ? await this.deps.settings.get() : null;
    let next: { config: LlmConfig; connector?: string };
    try {
      next = await this.configFor(row);
    } catch (e) {
      // A saved choice that no longer resolves (connector deleted, key gone): keep serving the environment's.
      if (!(e instanceof AppError)) throw e;
      this.deps.log?.error({ code: e.code, message: e.message }, 'the model chosen in Settings cannot be used; using the environment (YZ_LLM)');
      next = { config: this.deps.env };
    }
    const provider = this.build(next.config);
    const old = this.provider;
    this.provider = provider && trackInFlight(provider);
    this.config = next.config;
    this.version = version;
    this.src = row ? { kind: 'settings', version: row.version, updatedBy: row.updatedBy, updatedAt: row.updatedAt, ...(next.connector ? { connector: next.connector } : {}) } : { kind: 'environment' };
    if (old) void (old as InFlight).retire?.().catch(() => undefined);
  }
}

type InFlight = LlmProvider & { retire?: () => Promise<void> };

/** Count calls in flight, so a replaced model is closed only after its last call ended. */
function trackInFlight(inner: LlmProvider): InFlight {
  let running = 0;
  let retired = false;
  let closed = false;
  let onIdle: (() => void) | null = null;
  const leave = () => {
    running--;
    if (running === 0) onIdle?.();
  };
  const provider = decorate(inner, {
    async chat(req) {
      running++;
      try {
        return await inner.chat(req);
      } finally {
        leave();
      }
    },
    async *chatStream(req) {
      running++;
      try {
        yield* inner.chatStream(req);
      } finally {
        leave();
      }
    },
  }) as InFlight;
  provider.retire = async () => {
    if (retired) return;
    retired = true;
    if (running > 0) await new Promise<void>((resolve) => (onIdle = resolve));
    if (!closed) {
      closed = true;
      await inner.close();
    }
  };
  return provider;
}
