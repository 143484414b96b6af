import type { Queryable } from '../store/index.ts';
import type { Permission, Role } from './roles.ts';

export interface TokenRow {
  id: string;
  userId: string;
  username: string;
  name: string;
  scopes: Permission[] | null;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

/** A token with what the enforcement hook needs about its owner. */
export interface TokenAuthRow extends TokenRow {
  secretHash: string;
  displayName: string;
  role: Role;
  disabled: boolean;
  mustChangePassword: boolean;
}

interface Db {
  id: string;
  user_id: string;
  username: string;
  name: string;
  scopes: string[] | null;
  created_at: Date | string;
  expires_at: Date | string;
  revoked_at: Date | string | null;
  last_used_at: Date | string | null;
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());
const toToken = (r: Db): TokenRow => ({
  id: r.id,
  userId: r.user_id,
  username: r.username,
  name: r.name,
  scopes: (r.scopes as Permission[] | null) ?? null,
  createdAt: iso(r.created_at) as string,
  expiresAt: iso(r.expires_at) as string,
  revokedAt: iso(r.revoked_at),
  lastUsedAt: iso(r.last_used_at),
});
const COLS = 't.id, t.user_id, u.username, t.name, t.scopes, t.created_at, t.expires_at, t.revoked_at, t.last_used_at';

/** API tokens (table api_tokens); the secret itself is never stored, only its SHA-256. */
export class TokensRepository {
  async insert(q: Queryable, t: { id: string; userId: string; name: string; secretHash: string; scopes: Permission[] | null; expiresInDays: number }): Promise<void> {
    await q.query(
      `INSERT INTO api_tokens (id, user_id, name, secret_hash, scopes, expires_at) VALUES ($1, $2, $3, $4, $5::text[], now() + ($6::int * interval '1 day'))`,
      [t.id, t.userId, t.name, t.secretHash, t.scopes, t.expiresInDays],
    );
  }

  /** The token and its owner for authentication; null when the id is unknown. Expiry and revocation are judged by the caller. */
  async forAuth(q: Queryable, id: string): Promise<(TokenAuthRow & { expired: boolean }) | null> {
    const { rows } = await q.query<Db & { secret_hash: string; display_name: string; role: Role; disabled: boolean; must_change_password: boolean; expired: boolean }>(
      `SELECT ${COLS}, t.secret_hash, u.display_name, u.role, u.disabled, u.must_change_password, t.expires_at <= now() AS expired
       FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.id = $1`,
      [id],
    );
    const r = rows[0];
    if (!r) return null;
    return { ...toToken(r), secretHash: r.secret_hash, displayName: r.display_name, role: r.role, disabled: r.disabled, mustChangePassword: r.must_change_password, expired: r.expired };
  }

  async touch(q: Queryable, id: string): Promise<void> {
    await q.query(`UPDATE api_tokens SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`, [id]);
  }

  /** Tokens of one user, or of everyone when `userId` is null; newest first. */
  async list(q: Queryable, userId: string | null): Promise<TokenRow[]> {
    const { rows } = await q.query<Db>(
      `SELECT ${COLS} FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE ($1::text IS NULL OR t.user_id = $1) ORDER BY t.created_at DESC`,
      [userId],
    );
    return rows.map(toToken);
  }

  async get(q: Queryable, id: string): Promise<TokenRow | null> {
    const { rows } = await q.query<Db>(`SELECT ${COLS} FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.id = $1`, [id]);
    return rows[0] ? toToken(rows[0]) : null;
  }

  /** Mark revoked; false when already revoked or absent. */
  async revoke(q: Queryable, id: string): Promise<boolean> {
    const { rowCount } = await q.query('UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [id]);
    return rowCount > 0;
  }

  /** Revoke every live token of a user; returns how many. */
  async revokeForUser(q: Queryable, userId: string): Promise<number> {
    const { rowCount } = await q.query('UPDATE api_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > now()', [userId]);
    return rowCount;
  }
}
