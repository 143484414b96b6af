import type { Queryable } from '../store/index.ts';
import type { Role } from './roles.ts';

export interface UserRow {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  passwordHash: string;
  mustChangePassword: boolean;
  disabled: boolean;
  createdAt: string;
  updatedAt: string;
  /** Last successful sign-in, or null. */
  lastLoginAt: string | null;
}

interface Db {
  id: string;
  username: string;
  display_name: string;
  role: Role;
  password_hash: string;
  must_change_password: boolean;
  disabled: boolean;
  created_at: Date | string;
  updated_at: Date | string;
  last_login_at: Date | string | null;
}

const COLS = 'id, username, display_name, role, password_hash, must_change_password, disabled, created_at, updated_at, last_login_at';
const iso = (d: Date | string) => new Date(d).toISOString();
const toUser = (r: Db): UserRow => ({
  id: r.id,
  username: r.username,
  displayName: r.display_name,
  role: r.role,
  passwordHash: r.password_hash,
  mustChangePassword: r.must_change_password,
  disabled: r.disabled,
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
  lastLoginAt: r.last_login_at === null ? null : iso(r.last_login_at),
});

/** Local accounts (table users). Usernames are stored lower case; lookups take the normalised name. */
export class UsersRepository {
  /** Null when absent. */
  async byUsername(q: Queryable, username: string): Promise<UserRow | null> {
    const { rows } = await q.query<Db>(`SELECT ${COLS} FROM users WHERE username = $1`, [username]);
    return rows[0] ? toUser(rows[0]) : null;
  }

  /** Null when absent. */
  async byId(q: Queryable, id: string): Promise<UserRow | null> {
    const { rows } = await q.query<Db>(`SELECT ${COLS} FROM users WHERE id = $1`, [id]);
    return rows[0] ? toUser(rows[0]) : null;
  }

  async list(q: Queryable): Promise<UserRow[]> {
    const { rows } = await q.query<Db>(`SELECT ${COLS} FROM users ORDER BY username`);
    return rows.map(toUser);
  }

  /** A successful sign-in. */
  async touchLogin(q: Queryable, id: string): Promise<void> {
    await q.query('UPDATE users SET last_login_at = now() WHERE id = $1', [id]);
  }

  async count(q: Queryable): Promise<number> {
    const { rows } = await q.query<{ n: number | string }>('SELECT count(*) AS n FROM users');
    return Number(rows[0]?.n ?? 0);
  }

  /** Insert; false when the username is taken. `onlyIfEmpty` inserts only into an empty table (first-start bootstrap). */
  async insert(q: Queryable, u: Omit<UserRow, 'createdAt' | 'updatedAt' | 'disabled' | 'lastLoginAt'>, opts: { onlyIfEmpty?: boolean } = {}): Promise<boolean> {
    const { rowCount } = await q.query(
      `INSERT INTO users (id, username, display_name, role, password_hash, must_change_password)
       SELECT $1, $2, $3, $4, $5, $6 WHERE NOT $7::boolean OR NOT EXISTS (SELECT 1 FROM users)
       ON CONFLICT (username) DO NOTHING`,
      [u.id, u.username, u.displayName, u.role, u.passwordHash, u.mustChangePassword, opts.onlyIfEmpty ?? false],
    );
    return rowCount > 0;
  }

  async update(q: Queryable, id: string, patch: { displayName?: string; role?: Role; disabled?: boolean }): Promise<UserRow | null> {
    const { rows } = await q.query<Db>(
      `UPDATE users SET display_name = coalesce($2, display_name), role = coalesce($3, role), disabled = coalesce($4, disabled), updated_at = now()
       WHERE id = $1 RETURNING ${COLS}`,
      [id, patch.displayName ?? null, patch.role ?? null, patch.disabled ?? null],
    );
    return rows[0] ? toUser(rows[0]) : null;
  }

  async setPassword(q: Queryable, id: string, passwordHash: string, mustChange: boolean): Promise<void> {
    await q.query(
      'UPDATE users SET password_hash = $2, must_change_password = $3, password_changed_at = now(), updated_at = now() WHERE id = $1',
      [id, passwordHash, mustChange],
    );
  }
}
