import { AppError } from '../core/index.ts';
import type { Database, Queryable } from '../store/index.ts';
import type { Check, ConnectorKind } from './connector.schema.ts';
import type { ProbeResult } from './probes.ts';

/** A stored connector: `config` without secrets, `secrets` as field → SM4 token. */
export interface ConnectorRow {
  id: string;
  name: string;
  kind: ConnectorKind;
  config: Record<string, unknown>;
  secrets: Record<string, string>;
  enabled: boolean;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

interface RowDb {
  id: string;
  name: string;
  kind: ConnectorKind;
  config: Record<string, unknown>;
  secrets: Record<string, string>;
  enabled: boolean;
  created_by: string;
  created_at: Date | string;
  updated_at: Date | string;
}

interface CheckDb {
  connector_id: string;
  status: 'up' | 'down';
  latency_ms: number | null;
  error: string | null;
  detail: string | null;
  trigger: 'schedule' | 'manual';
  checked_at: Date | string;
}

const iso = (d: Date | string) => new Date(d).toISOString();

function toRow(r: RowDb): ConnectorRow {
  return {
    id: r.id, name: r.name, kind: r.kind, config: r.config ?? {}, secrets: r.secrets ?? {}, enabled: r.enabled,
    createdBy: r.created_by, createdAt: iso(r.created_at), updatedAt: iso(r.updated_at),
  };
}

function toCheck(r: CheckDb): Check {
  return { status: r.status, latencyMs: r.latency_ms, error: r.error, detail: r.detail ?? null, trigger: r.trigger, checkedAt: iso(r.checked_at) };
}

function duplicate(e: unknown, name: string): unknown {
  const code = (e as { code?: string })?.code;
  if (code === '23505') return new AppError('STATE_CONFLICT', `已有同名连接 / a connector named "${name}" already exists`, { field: 'name' });
  return e;
}

/** Connectors and their check history. Secrets arrive here already encrypted. */
export class ConnectorsRepository {
  constructor(private readonly db: Database) {}

  async list(): Promise<ConnectorRow[]> {
    const { rows } = await this.db.query<RowDb>('SELECT * FROM connectors ORDER BY name');
    return rows.map(toRow);
  }

  async get(id: string, q: Queryable = this.db): Promise<ConnectorRow> {
    const { rows } = await q.query<RowDb>('SELECT * FROM connectors WHERE id = $1', [id]);
    if (!rows[0]) throw new AppError('NOT_FOUND', `连接不存在 / connector ${id} not found`);
    return toRow(rows[0]);
  }

  async insert(tx: Queryable, row: Omit<ConnectorRow, 'createdAt' | 'updatedAt'>): Promise<void> {
    try {
      await tx.query(
        `INSERT INTO connectors (id, name, kind, config, secrets, enabled, created_by) VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6, $7)`,
        [row.id, row.name, row.kind, JSON.stringify(row.config), JSON.stringify(row.secrets), row.enabled, row.createdBy],
      );
    } catch (e) {
      throw duplicate(e, row.name);
    }
  }

  async update(tx: Queryable, id: string, row: Pick<ConnectorRow, 'name' | 'kind' | 'config' | 'secrets' | 'enabled'>): Promise<void> {
    try {
      const { rowCount } = await tx.query(
        `UPDATE connectors SET name = $2, kind = $3, config = $4::jsonb, secrets = $5::jsonb, enabled = $6, updated_at = now() WHERE id = $1`,
        [id, row.name, row.kind, JSON.stringify(row.config), JSON.stringify(row.secrets), row.enabled],
      );
      if (!rowCount) throw new AppError('NOT_FOUND', `连接不存在 / connector ${id} not found`);
    } catch (e) {
      throw duplicate(e, row.name);
    }
  }

  async delete(tx: Queryable, id: string): Promise<ConnectorRow> {
    const { rows } = await tx.query<RowDb>('DELETE FROM connectors WHERE id = $1 RETURNING *', [id]);
    if (!rows[0]) throw new AppError('NOT_FOUND', `连接不存在 / connector ${id} not found`);
    return toRow(rows[0]);
  }

  async enabledCount(): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>('SELECT count(*)::int AS n FROM connectors WHERE enabled');
    return rows[0]?.n ?? 0;
  }

  async addCheck(id: string, r: ProbeResult, trigger: 'schedule' | 'manual'): Promise<Check> {
    const { rows } = await this.db.query<CheckDb>(
      `INSERT INTO connector_checks (connector_id, status, latency_ms, error, detail, trigger) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
      [id, r.status, r.latencyMs, r.error, r.detail, trigger],
    );
    return toCheck(rows[0]!);
  }

  /** The newest check of every connector that has one. */
  async latest(): Promise<Map<string, Check>> {
    const { rows } = await this.db.query<CheckDb>(
      `SELECT DISTINCT ON (connector_id) * FROM connector_checks ORDER BY connector_id, checked_at DESC, id DESC`,
    );
    return new Map(rows.map((r) => [r.connector_id, toCheck(r)]));
  }

  /** Newest first. */
  async history(id: string, limit: number): Promise<Check[]> {
    await this.get(id);
    const { rows } = await this.db.query<CheckDb>(
      'SELECT * FROM connector_checks WHERE connector_id = $1 ORDER BY checked_at DESC, id DESC LIMIT $2',
      [id, limit],
    );
    return rows.map(toCheck);
  }

  /**
   * Drop finished health-check jobs older than a day: the check runs every minute by default and
   * its results live in connector_checks, so the job rows would only bury the Jobs page.
   */
  async pruneJobs(kind: string): Promise<number> {
    const { rowCount } = await this.db.query(
      `DELETE FROM jobs WHERE kind = $1 AND status IN ('succeeded', 'failed') AND finished_at < now() - interval '1 day'`,
      [kind],
    );
    return rowCount;
  }

  /** Drop checks older than `days` days (history is for trends, not an archive). */
  async prune(days: number): Promise<number> {
    const { rowCount } = await this.db.query(`DELETE FROM connector_checks WHERE checked_at < now() - make_interval(days => $1)`, [days]);
    return rowCount;
  }
}
