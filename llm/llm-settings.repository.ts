import type { Queryable } from '../store/index.ts';

/** The model chosen in Settings (table llm_settings, migration 034); absent: the environment decides. */
export interface LlmSettingsRow {
  kind: 'none' | 'ollama' | 'openai' | 'embedded' | 'connector';
  model: string | null;
  url: string | null;
  modelFile: string | null;
  connectorId: string | null;
  version: number;
  updatedBy: string;
  updatedAt: string;
}

export type LlmSettingsInput = Pick<LlmSettingsRow, 'kind' | 'model' | 'url' | 'modelFile' | 'connectorId'>;

/** The active-model setting and the cached tool-calling capability of each model. */
export class LlmSettingsRepository {
  constructor(private readonly db: Queryable) {}

  /** The stored choice, or null when none was ever made (or it was reset to the environment). */
  async get(q: Queryable = this.db): Promise<LlmSettingsRow | null> {
    const { rows } = await q.query<{ kind: LlmSettingsRow['kind']; model: string | null; url: string | null; model_file: string | null; connector_id: string | null; version: number; updated_by: string; updated_at: Date | string }>(
      'SELECT kind, model, url, model_file, connector_id, version, updated_by, updated_at FROM llm_settings WHERE id = 1',
    );
    const r = rows[0];
    if (!r || r.kind === ('environment' as string)) return null;
    return { kind: r.kind, model: r.model, url: r.url, modelFile: r.model_file, connectorId: r.connector_id, version: r.version, updatedBy: r.updated_by, updatedAt: new Date(r.updated_at).toISOString() };
  }

  /** The version processes compare to notice a change (0: never set). */
  async version(): Promise<number> {
    const { rows } = await this.db.query<{ version: number }>('SELECT version FROM llm_settings WHERE id = 1');
    return rows[0]?.version ?? 0;
  }

  /** Store a choice (version bumped); returns the new version. */
  async put(tx: Queryable, s: LlmSettingsInput, actor: string): Promise<number> {
    const { rows } = await tx.query<{ version: number }>(
      `INSERT INTO llm_settings (id, kind, model, url, model_file, connector_id, updated_by) VALUES (1, $1, $2, $3, $4, $5, $6)
       ON CONFLICT (id) DO UPDATE SET kind = EXCLUDED.kind, model = EXCLUDED.model, url = EXCLUDED.url, model_file = EXCLUDED.model_file,
         connector_id = EXCLUDED.connector_id, updated_by = EXCLUDED.updated_by, updated_at = now(), version = llm_settings.version + 1
       RETURNING version`,
      [s.kind, s.model, s.url, s.modelFile, s.connectorId, actor],
    );
    return rows[0].version;
  }

  /** Back to the environment's choice; the version still moves on, so every process notices. */
  async clear(tx: Queryable, actor: string): Promise<void> {
    await tx.query(
      `UPDATE llm_settings SET kind = 'environment', model = NULL, url = NULL, model_file = NULL, connector_id = NULL,
         updated_by = $1, updated_at = now(), version = version + 1 WHERE id = 1`,
      [actor],
    );
  }

  /** Whether `provider`/`url`/`model` emits native tool calls; null when never probed. */
  async nativeTools(provider: string, url: string, model: string): Promise<boolean | null> {
    const { rows } = await this.db.query<{ native_tools: boolean }>('SELECT native_tools FROM llm_capabilities WHERE provider = $1 AND url = $2 AND model = $3', [provider, url, model]);
    return rows[0]?.native_tools ?? null;
  }

  async putNativeTools(provider: string, url: string, model: string, native: boolean): Promise<void> {
    await this.db.query(
      `INSERT INTO llm_capabilities (provider, url, model, native_tools) VALUES ($1, $2, $3, $4)
       ON CONFLICT (provider, url, model) DO UPDATE SET native_tools = EXCLUDED.native_tools, probed_at = now()`,
      [provider, url, model, native],
    );
  }
}
