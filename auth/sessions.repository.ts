import type { Queryable } from '../store/index.ts';
import type { Role } from './roles.ts';

/** A live session with its user, as the enforcement hook needs it. */
export interface SessionPrincipalRow {
  sessionId: string;
  userId: string;
  username: string;
  displayName: string;
  role: Role;
  mustChangePassword: boolean;
}

/** Browser sessions (table auth_sessions), keyed by the SHA-256 of the cookie secret. */
export class SessionsRepository {
  async insert(q: Queryable, s: { id: string; userId: string; ttlMs: number; ip?: string; userAgent?: string }): Promise<void> {
    await q.query(
      `INSERT INTO auth_sessions (id, user_id, expires_at, ip, user_agent) VALUES ($1, $2, now() + ($3::bigint * interval '1 millisecond'), $4, $5)`,
      [s.id, s.userId, s.ttlMs, s.ip ?? null, s.userAgent?.slice(0, 300) ?? null],
    );
  }

  /**
   * The session and its enabled user; null when unknown, past expires_at, idle longer than `idleMs`
   * or the user is disabled. `touch` refreshes last_seen_at (the user's own requests, not polling).
   */
  async resolve(q: Queryable, id: string, opts: { idleMs: number; touch: boolean }): Promise<SessionPrincipalRow | null> {
    const { rows } = await q.query<{ id: string; user_id: string; username: string; display_name: string; role: Role; must_change_password: boolean }>(
      `UPDATE auth_sessions s SET last_seen_at = CASE WHEN $3 THEN now() ELSE s.last_seen_at END FROM users u
       WHERE s.id = $1 AND u.id = s.user_id AND s.expires_at > now() AND s.last_seen_at > now() - ($2::bigint * interval '1 millisecond') AND NOT u.disabled
       RETURNING s.id, s.user_id, u.username, u.display_name, u.role, u.must_change_password`,
      [id, opts.idleMs, opts.touch],
    );
    const r = rows[0];
    return r ? { sessionId: r.id, userId: r.user_id, username: r.username, displayName: r.display_name, role: r.role, mustChangePassword: r.must_change_password } : null;
  }

  async delete(q: Queryable, id: string): Promise<void> {
    await q.query('DELETE FROM auth_sessions WHERE id = $1', [id]);
  }

  /** Revoke every session of a user except `keep` (password change, disable). Returns how many went. */
  async deleteForUser(q: Queryable, userId: string, keep?: string): Promise<number> {
    const { rowCount } = await q.query('DELETE FROM auth_sessions WHERE user_id = $1 AND ($2::text IS NULL OR id <> $2)', [userId, keep ?? null]);
    return rowCount;
  }

  /** Delete sessions past their lifetime or idle longer than `idleMs`. */
  async purgeExpired(q: Queryable, idleMs: number): Promise<void> {
    await q.query(`DELETE FROM auth_sessions WHERE expires_at < now() OR last_seen_at < now() - ($1::bigint * interval '1 millisecond')`, [idleMs]);
  }
}
