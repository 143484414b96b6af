import type { Queryable } from '../store/index.ts';
import { AUDIT_COLUMNS, type AuditRowDb, toRecord } from './audit-log.ts';
import type { AuditRecord } from './chain.ts';

/** Filters of the audit page (GET /api/audit). Every value is bound as a parameter. */
export interface AuditFilter {
  /** Exact actor (a username, `cli:<os user>`, `system`). */
  actor?: string;
  /** Exact action, e.g. `auth.login_failed`. */
  action?: string;
  /** Substring of the target, case-insensitive (`%` and `_` match themselves). */
  target?: string;
  /** Rows at or after this instant. */
  from?: Date;
  /** Rows before this instant (exclusive). */
  to?: Date;
  /** Page size, 1..200 (default 50). */
  limit?: number;
  offset?: number;
}

export interface AuditPage {
  total: number;
  items: AuditRecord[];
}

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Read side of the audit log for people: filtered, newest first, paged. Writes stay in AuditLog
 * (append-only); this never changes a row.
 */
export class AuditRepository {
  constructor(private readonly db: Queryable) {}

  /** One page of rows matching every given filter, newest first, and the total that match. */
  async search(f: AuditFilter): Promise<AuditPage> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: (p: string) => string, v: unknown) => {
      params.push(v);
      where.push(sql(`$${params.length}`));
    };
    if (f.actor) add((p) => `actor = ${p}`, f.actor);
    if (f.action) add((p) => `action = ${p}`, f.action);
    if (f.target) add((p) => `target ILIKE ${p} ESCAPE '\\'`, `%${likeEscape(f.target)}%`);
    if (f.from) add((p) => `at >= ${p}`, f.from.toISOString());
    if (f.to) add((p) => `at < ${p}`, f.to.toISOString());
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const limit = Math.min(Math.max(Math.floor(f.limit ?? 50), 1), 200);
    const offset = Math.max(Math.floor(f.offset ?? 0), 0);
    const { rows: count } = await this.db.query<{ n: number | string }>(`SELECT count(*) AS n FROM audit_log ${clause}`, params);
    const { rows } = await this.db.query<AuditRowDb>(
      `SELECT ${AUDIT_COLUMNS} FROM audit_log ${clause}
       ORDER BY seq DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, limit, offset],
    );
    return { total: Number(count[0]?.n ?? 0), items: rows.map(toRecord) };
  }
}
