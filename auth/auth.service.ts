import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { AuditLog } from '../audit/index.ts';
import { AppError, newId } from '../core/index.ts';
import type { Database, Queryable } from '../store/index.ts';
import { type ClosedBurst, LoginAttemptsRepository } from './login-attempts.repository.ts';
import { DEFAULT_THROTTLE, type ThrottlePolicy, waitFor } from './login-throttle.ts';
import { generatePassword, hashPassword, verifyPassword } from './password.ts';
import { GRANTABLE, isRole, type Permission, ROLE_PERMISSIONS, type Role } from './roles.ts';
import { SessionsRepository } from './sessions.repository.ts';
import { type TokenRow, TokensRepository } from './tokens.repository.ts';
import { type UserRow, UsersRepository } from './users.repository.ts';

/** Who is calling: resolved on every request from the session cookie or a bearer token. */
export interface Principal {
  userId: string;
  username: string;
  displayName: string;
  role: Role;
  /** What this request may do: the role's permissions, narrowed by the token's scopes. */
  permissions: Permission[];
  via: 'session' | 'token';
  tokenId?: string;
  /** Internal: the session's key (sha256 of the cookie secret), for logout and "other sessions". */
  sessionId?: string;
  mustChangePassword: boolean;
}

/** A user as the API and CLI show it (never the hash). */
export interface PublicUser {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  permissions: Permission[];
  mustChangePassword: boolean;
  disabled: boolean;
  createdAt: string;
  lastLoginAt: string | null;
}

export interface AuthOptions {
  /** Backoff per account, client and known device, and the burst gap of aggregated audit rows (DEFAULT_THROTTLE). */
  throttle?: Partial<ThrottlePolicy>;
  /** Absolute session lifetime (default 12 hours, YZ_SESSION_MAX_HOURS). */
  sessionTtlMs?: number;
  /** A session unused (no request of the user's own) this long ends (default 30 minutes, YZ_SESSION_IDLE_MINUTES). */
  sessionIdleMs?: number;
}

/** The result of a successful sign-in: the session, and the device cookie to (re)set. */
export interface LoginResult {
  user: PublicUser;
  sessionSecret: string;
  expiresAt: Date;
  /** This browser's device id (new, or the one it sent): it makes the next sign-in from here a known device. */
  device: string;
}

export const USERNAME_RE = /^[a-z0-9][a-z0-9._-]{1,63}$/;
const TOKEN_RE = /^yzt_([a-z0-9]{16})_([a-f0-9]{64})$/;
const DEVICE_RE = /^[A-Za-z0-9_-]{43}$/;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const INVALID = () => new AppError('INVALID_CREDENTIALS', '用户名或密码错误 / wrong username or password');

export function toPublicUser(u: UserRow): PublicUser {
  return {
    id: u.id,
    username: u.username,
    displayName: u.displayName,
    role: u.role,
    permissions: [...ROLE_PERMISSIONS[u.role]],
    mustChangePassword: u.mustChangePassword,
    disabled: u.disabled,
    createdAt: u.createdAt,
    lastLoginAt: u.lastLoginAt,
  };
}

/** Normalise a username for storage and lookup (NFC, trimmed, lower case). */
export function normaliseUsername(s: string): string {
  return s.normalize('NFC').trim().toLowerCase();
}

export function checkNewPassword(next: string, username: string): void {
  if (next.length < 10) throw new AppError('VALIDATION_FAILED', '新密码至少 10 个字符 / the new password needs at least 10 characters', { field: 'next' });
  if (next.length > 200) throw new AppError('VALIDATION_FAILED', '新密码过长 / the new password is too long', { field: 'next' });
  if (normaliseUsername(next) === username) throw new AppError('VALIDATION_FAILED', '新密码不能与用户名相同 / the new password must differ from the username', { field: 'next' });
}

/**
 * Accounts, sessions and API tokens. Every piece of state is in the database (several API processes
 * may serve one department); every sensitive action is audited in the action's own transaction.
 */
export class AuthService {
  readonly users = new UsersRepository();
  readonly sessions = new SessionsRepository();
  readonly tokens = new TokensRepository();
  readonly attempts = new LoginAttemptsRepository();
  private readonly audit = new AuditLog();
  private readonly throttle: ThrottlePolicy;
  readonly sessionTtlMs: number;
  readonly sessionIdleMs: number;
  /** Verified against for unknown users, so they cost the same scrypt time as known ones. */
  private dummyHash: Promise<string> | null = null;

  constructor(
    private readonly db: Database,
    opts: AuthOptions = {},
  ) {
    this.throttle = { ...DEFAULT_THROTTLE, ...opts.throttle };
    this.sessionTtlMs = opts.sessionTtlMs ?? 12 * 3600_000;
    this.sessionIdleMs = opts.sessionIdleMs ?? 30 * 60_000;
  }

  /**
   * Check a password and open a session. Unknown user, disabled user and wrong password all give
   * INVALID_CREDENTIALS after one scrypt. Repeated failures are slowed, never locked out: past a free
   * allowance each failure doubles the wait (per account from unknown browsers, per client address,
   * per known device), and an attempt during the wait is refused with RATE_LIMITED and
   * `retryAfterSeconds` before the password is even checked. A browser that signed in to the account
   * before (its device cookie) is judged only by its own failures, so the owner can still sign in
   * while someone hammers the account. Failures are audited once per burst (see recordFailure).
   */
  async login(input: { username: string; password: string; ip: string; userAgent?: string; device?: string | null }): Promise<LoginResult> {
    const key = normaliseUsername(input.username).slice(0, 200);
    await this.closeQuietBursts();
    const sent = input.device && DEVICE_RE.test(input.device) ? input.device : null;
    const deviceHash = sent ? sha256(sent) : null;
    const known = deviceHash ? await this.attempts.isKnownDevice(this.db, deviceHash, key) : false;
    const attemptDevice = known ? deviceHash : null;
    const state = await this.attempts.state(this.db, { usernameKey: key, ip: input.ip, device: attemptDevice });
    const wait = waitFor(state, known, this.throttle);
    if (wait.ms > 0) {
      const seconds = Math.ceil(wait.ms / 1000);
      await this.recordFailure(key, input.ip, attemptDevice, 'throttled');
      throw new AppError('RATE_LIMITED', `登录失败次数过多，请 ${seconds} 秒后再试 / too many failed sign-ins: try again in ${seconds} s`, {
        details: { retryAfterSeconds: seconds, scope: wait.scope },
      });
    }
    const user = await this.users.byUsername(this.db, key);
    this.dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
    const ok = await verifyPassword(input.password, user?.passwordHash ?? (await this.dummyHash));
    if (!user || !ok || user.disabled) {
      await this.recordFailure(key, input.ip, attemptDevice, !user ? 'unknown_user' : user.disabled ? 'disabled' : 'wrong_password');
      throw INVALID();
    }
    const secret = randomBytes(32).toString('base64url');
    const device = sent ?? randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + this.sessionTtlMs);
    await this.db.transaction(async (tx) => {
      await this.attempts.record(tx, { usernameKey: key, ip: input.ip, ok: true, device: attemptDevice });
      await this.sessions.insert(tx, { id: sha256(secret), userId: user.id, ttlMs: this.sessionTtlMs, ip: input.ip, userAgent: input.userAgent });
      await this.attempts.rememberDevice(tx, sha256(device), user.id);
      await this.users.touchLogin(tx, user.id);
      for (const b of await this.attempts.closeBursts(tx, { usernameKey: key, ip: input.ip })) await this.auditBurst(tx, b, 'signed_in');
      await this.audit.append(tx, { actor: user.username, action: 'auth.login', target: `user:${user.id}`, details: { ip: input.ip, knownDevice: known } });
    });
    await this.sessions.purgeExpired(this.db, this.sessionIdleMs);
    return { user: toPublicUser(user), sessionSecret: secret, expiresAt, device };
  }

  /**
   * A failed (or throttled) attempt: recorded for the backoff, and counted into the burst of this
   * name from this client. The burst's first failure is audited at once (an attack shows while it
   * runs); its total is audited when it ends (quiet for the burst gap, or a successful sign-in) —
   * two rows for 200 attempts, not 200.
   */
  private async recordFailure(key: string, ip: string, device: string | null, reason: string): Promise<void> {
    const throttled = reason === 'throttled';
    await this.db.transaction(async (tx) => {
      await this.attempts.record(tx, { usernameKey: key, ip, ok: false, device, throttled });
      const events = await this.attempts.addToBurst(tx, { usernameKey: key, ip, reason, throttled });
      // The attempted name goes into details, never the password.
      if (events === 1) await this.audit.append(tx, { actor: 'anonymous', action: 'auth.login_failed', target: null, details: { username: key.slice(0, 100), ip, reason, count: 1, burst: 'start' } });
    });
  }

  private async auditBurst(tx: Queryable, b: ClosedBurst, endedBy: 'quiet' | 'signed_in'): Promise<void> {
    if (b.failures + b.throttled <= 1) return; // the single failure is already on record
    await this.audit.append(tx, {
      actor: 'anonymous',
      action: 'auth.login_failed',
      target: null,
      details: { username: b.usernameKey.slice(0, 100), ip: b.ip, count: b.failures + b.throttled, failures: b.failures, throttled: b.throttled, reasons: b.reasons, firstAt: b.firstAt, lastAt: b.lastAt, burst: 'end', endedBy },
    });
  }

  /** Periodic upkeep while serving: audit quiet bursts, drop expired or idle sessions and old attempts. */
  async housekeeping(): Promise<void> {
    await this.closeQuietBursts();
    await this.sessions.purgeExpired(this.db, this.sessionIdleMs);
    await this.attempts.purgeOld(this.db);
  }

  /** Audit the totals of bursts that have gone quiet (run with every sign-in, and by the server's housekeeping). */
  async closeQuietBursts(): Promise<number> {
    return this.db.transaction(async (tx) => {
      const closed = await this.attempts.closeBursts(tx, { quietMs: this.throttle.burstGapMs });
      for (const b of closed) await this.auditBurst(tx, b, 'quiet');
      return closed.length;
    });
  }

  /**
   * The session behind a cookie secret; null when unknown, past its absolute lifetime, idle longer
   * than the idle timeout, or its user is disabled. A `background` request (the UI's own polling)
   * does not count as activity.
   */
  async resolveSession(secret: string, opts: { background?: boolean } = {}): Promise<Principal | null> {
    if (!secret || secret.length > 100) return null;
    const s = await this.sessions.resolve(this.db, sha256(secret), { idleMs: this.sessionIdleMs, touch: !opts.background });
    if (!s) return null;
    return {
      userId: s.userId,
      username: s.username,
      displayName: s.displayName,
      role: s.role,
      permissions: [...ROLE_PERMISSIONS[s.role]],
      via: 'session',
      sessionId: s.sessionId,
      mustChangePassword: s.mustChangePassword,
    };
  }

  /** The principal behind `yzt_<id>_<secret>`; throws TOKEN_INVALID / TOKEN_EXPIRED / TOKEN_REVOKED. */
  async resolveToken(token: string): Promise<Principal> {
    const m = TOKEN_RE.exec(token);
    if (!m) throw new AppError('TOKEN_INVALID', '令牌格式无效 / malformed API token');
    const row = await this.tokens.forAuth(this.db, m[1]);
    const given = Buffer.from(sha256(m[2]), 'hex');
    if (!row || !timingSafeEqual(given, Buffer.from(row.secretHash, 'hex')) || row.disabled) {
      throw new AppError('TOKEN_INVALID', '令牌无效 / unknown or forged API token');
    }
    if (row.revokedAt) throw new AppError('TOKEN_REVOKED', '令牌已吊销 / this API token was revoked');
    if (row.expired) throw new AppError('TOKEN_EXPIRED', '令牌已过期 / this API token has expired');
    await this.tokens.touch(this.db, row.id);
    const rolePerms = ROLE_PERMISSIONS[row.role];
    return {
      userId: row.userId,
      username: row.username,
      displayName: row.displayName,
      role: row.role,
      permissions: row.scopes ? rolePerms.filter((p) => row.scopes?.includes(p)) : [...rolePerms],
      via: 'token',
      tokenId: row.id,
      mustChangePassword: row.mustChangePassword,
    };
  }

  async logout(p: Principal): Promise<void> {
    await this.db.transaction(async (tx) => {
      if (p.sessionId) await this.sessions.delete(tx, p.sessionId);
      await this.audit.append(tx, { actor: p.username, action: 'auth.logout', target: `user:${p.userId}`, details: { via: p.via } });
    });
  }

  async me(p: Principal): Promise<PublicUser> {
    const u = await this.users.byId(this.db, p.userId);
    if (!u) throw new AppError('UNAUTHENTICATED', '请先登录 / please sign in');
    return { ...toPublicUser(u), permissions: p.permissions };
  }

  /** Change one's own password; every other session and every API token of the user is revoked (the answer says how many). */
  async changePassword(p: Principal, current: string, next: string): Promise<{ sessionsRevoked: number; tokensRevoked: number }> {
    const u = await this.users.byId(this.db, p.userId);
    if (!u) throw new AppError('UNAUTHENTICATED', '请先登录 / please sign in');
    if (!(await verifyPassword(current, u.passwordHash))) {
      throw new AppError('VALIDATION_FAILED', '当前密码不正确 / the current password is wrong', { field: 'current' });
    }
    checkNewPassword(next, u.username);
    const hash = await hashPassword(next);
    return this.db.transaction(async (tx) => {
      await this.users.setPassword(tx, u.id, hash, false);
      const sessionsRevoked = await this.sessions.deleteForUser(tx, u.id, p.sessionId);
      const tokensRevoked = await this.tokens.revokeForUser(tx, u.id);
      await this.audit.append(tx, { actor: p.username, action: 'auth.password_change', target: `user:${u.id}`, details: { otherSessionsRevoked: sessionsRevoked, tokensRevoked } });
      return { sessionsRevoked, tokensRevoked };
    });
  }

  /**
   * Create a token for the caller; scopes must be among the caller's own permissions. The secret is
   * returned once. Only from an interactive (password) session: a token cannot mint tokens, so a
   * leaked token cannot outlive its own expiry or revocation.
   */
  async createToken(p: Principal, input: { name: string; scopes?: Permission[]; expiresInDays: number }): Promise<{ token: string; info: TokenRow }> {
    if (p.via !== 'session') {
      throw new AppError('SESSION_REQUIRED', '只能在登录会话中创建 API 令牌，不能用令牌创建令牌 / API tokens are created from a signed-in session, not with another token', {
        details: { via: p.via },
      });
    }
    const bad = input.scopes?.find((s) => !p.permissions.includes(s));
    if (bad) throw new AppError('FORBIDDEN', `不能授予自己没有的权限 / cannot grant a permission you do not hold: ${bad}`, { field: 'scopes', details: { permission: bad } });
    const scopes = input.scopes ? [...new Set(input.scopes)] : null;
    return this.issueToken(this.db, { userId: p.userId, username: p.username }, { name: input.name, scopes, expiresInDays: input.expiresInDays }, p.username);
  }

  /** Issue a token for a user (CLI and tests: the caller has already decided it may). */
  async issueToken(
    q: Database,
    owner: { userId: string; username: string },
    input: { name: string; scopes: Permission[] | null; expiresInDays: number },
    actor: string,
  ): Promise<{ token: string; info: TokenRow }> {
    if (!Number.isInteger(input.expiresInDays) || input.expiresInDays < 1 || input.expiresInDays > 365) {
      throw new AppError('VALIDATION_FAILED', '有效期须为 1–365 天 / expiresInDays must be 1..365', { field: 'expiresInDays' });
    }
    const bad = input.scopes?.find((s) => !GRANTABLE.includes(s));
    if (bad) throw new AppError('VALIDATION_FAILED', `未知权限 / unknown permission ${bad}`, { field: 'scopes' });
    const id = randomBytes(8).toString('hex');
    const secret = randomBytes(32).toString('hex');
    const info = await q.transaction(async (tx) => {
      await this.tokens.insert(tx, { id, userId: owner.userId, name: input.name, secretHash: sha256(secret), scopes: input.scopes, expiresInDays: input.expiresInDays });
      await this.audit.append(tx, { actor, action: 'token.create', target: `token:${id}`, details: { owner: owner.username, name: input.name, scopes: input.scopes, expiresInDays: input.expiresInDays } });
      return (await this.tokens.get(tx, id)) as TokenRow;
    });
    return { token: `yzt_${id}_${secret}`, info };
  }

  /** The caller's tokens (an admin sees everyone's). */
  listTokens(p: Principal): Promise<TokenRow[]> {
    return this.tokens.list(this.db, p.permissions.includes('admin.users') ? null : p.userId);
  }

  /** Revoke one's own token (an admin: any token). NOT_FOUND for someone else's, so ids do not leak. */
  async revokeToken(p: Principal, id: string): Promise<void> {
    const t = await this.tokens.get(this.db, id);
    if (!t || (t.userId !== p.userId && !p.permissions.includes('admin.users'))) throw new AppError('NOT_FOUND', `令牌不存在 / unknown token ${id}`, { field: 'id' });
    await this.db.transaction(async (tx) => {
      await this.tokens.revoke(tx, id);
      await this.audit.append(tx, { actor: p.username, action: 'token.revoke', target: `token:${id}`, details: { owner: t.username, name: t.name } });
    });
  }

  // ---- administration (admin.users, or the local CLI) ----

  /** The permissions a role grants. */
  roleOf(role: Role): readonly Permission[] {
    return ROLE_PERMISSIONS[role];
  }

  async listUsers(): Promise<PublicUser[]> {
    return (await this.users.list(this.db)).map(toPublicUser);
  }

  async findUser(username: string): Promise<UserRow> {
    const u = await this.users.byUsername(this.db, normaliseUsername(username));
    if (!u) throw new AppError('NOT_FOUND', `用户不存在 / unknown user ${username}`, { field: 'username' });
    return u;
  }

  /**
   * Create an account; without a password a one-time one is generated (returned once). Either way the
   * password is one someone else chose or saw, so the user must change it at first sign-in.
   */
  async createUser(input: { username: string; displayName?: string; role: string; password?: string }, actor: string): Promise<{ user: PublicUser; initialPassword?: string }> {
    const username = normaliseUsername(input.username);
    if (!USERNAME_RE.test(username)) {
      throw new AppError('VALIDATION_FAILED', '用户名须为 2–64 位小写字母、数字或 ._- / username must be 2-64 of a-z 0-9 . _ -', { field: 'username' });
    }
    if (!isRole(input.role)) throw new AppError('VALIDATION_FAILED', `未知角色 / unknown role ${input.role}`, { field: 'role' });
    if (input.password !== undefined) checkNewPassword(input.password, username);
    const initialPassword = input.password === undefined ? generatePassword() : undefined;
    const hash = await hashPassword(input.password ?? (initialPassword as string));
    const id = newId('usr');
    const displayName = (input.displayName ?? username).trim().slice(0, 100) || username;
    await this.db.transaction(async (tx) => {
      const ok = await this.users.insert(tx, { id, username, displayName, role: input.role as Role, passwordHash: hash, mustChangePassword: true });
      if (!ok) throw new AppError('STATE_CONFLICT', `用户名已存在 / username ${username} is taken`, { field: 'username' });
      await this.audit.append(tx, { actor, action: 'user.create', target: `user:${id}`, details: { username, role: input.role } });
    });
    return { user: toPublicUser((await this.users.byId(this.db, id)) as UserRow), ...(initialPassword ? { initialPassword } : {}) };
  }

  /**
   * Change display name, role or disabled flag. `by` is the acting user (null for the local CLI): nobody
   * changes their own role or disables themselves. Role changes and disabling are `permission.change`;
   * disabling also ends the user's sessions and tokens.
   */
  async updateUser(id: string, patch: { displayName?: string; role?: string; disabled?: boolean }, by: { userId: string | null; actor: string }): Promise<PublicUser> {
    const u = await this.users.byId(this.db, id);
    if (!u) throw new AppError('NOT_FOUND', `用户不存在 / unknown user ${id}`, { field: 'id' });
    if (patch.role !== undefined && !isRole(patch.role)) throw new AppError('VALIDATION_FAILED', `未知角色 / unknown role ${patch.role}`, { field: 'role' });
    if (by.userId === id && ((patch.role !== undefined && patch.role !== u.role) || patch.disabled === true)) {
      throw new AppError('FORBIDDEN', '不能修改自己的角色或停用自己 / you cannot change your own role or disable yourself', { details: { permission: 'admin.users' } });
    }
    return this.db.transaction(async (tx) => {
      const updated = (await this.users.update(tx, id, { displayName: patch.displayName?.trim().slice(0, 100) || undefined, role: patch.role as Role | undefined, disabled: patch.disabled })) as UserRow;
      const roleChanged = patch.role !== undefined && patch.role !== u.role;
      const disabledChanged = patch.disabled !== undefined && patch.disabled !== u.disabled;
      if (patch.disabled) {
        await this.sessions.deleteForUser(tx, id);
        await this.tokens.revokeForUser(tx, id);
      }
      if (roleChanged || disabledChanged) {
        await this.audit.append(tx, {
          actor: by.actor,
          action: 'permission.change',
          target: `user:${id}`,
          details: { username: u.username, ...(roleChanged ? { fromRole: u.role, toRole: patch.role } : {}), ...(disabledChanged ? { disabled: patch.disabled } : {}) },
        });
      }
      if (patch.displayName !== undefined && patch.displayName !== u.displayName) {
        await this.audit.append(tx, { actor: by.actor, action: 'user.update', target: `user:${id}`, details: { username: u.username, displayName: updated.displayName } });
      }
      return toPublicUser(updated);
    });
  }

  /**
   * Set a new one-time password (returned once); the user must change it and loses every session, every
   * API token and every remembered device (a reset is what one does when an account may be compromised).
   */
  async resetPassword(id: string, actor: string): Promise<{ initialPassword: string; sessionsRevoked: number; tokensRevoked: number }> {
    const u = await this.users.byId(this.db, id);
    if (!u) throw new AppError('NOT_FOUND', `用户不存在 / unknown user ${id}`, { field: 'id' });
    const initialPassword = generatePassword();
    const hash = await hashPassword(initialPassword);
    return this.db.transaction(async (tx) => {
      await this.users.setPassword(tx, id, hash, true);
      const sessionsRevoked = await this.sessions.deleteForUser(tx, id);
      const tokensRevoked = await this.tokens.revokeForUser(tx, id);
      await this.attempts.forgetDevices(tx, id);
      await this.audit.append(tx, { actor, action: 'user.password_reset', target: `user:${id}`, details: { username: u.username, sessionsRevoked, tokensRevoked } });
      return { initialPassword, sessionsRevoked, tokensRevoked };
    });
  }

  /**
   * First start: when no account exists, create `admin` with `password` (YZ_ADMIN_PASSWORD) or a
   * generated one-time password; must_change_password either way. Safe when several processes start at once.
   */
  /**
   * Whether the installation is still waiting for its first sign-in: the bootstrap admin's one-time
   * password (printed at start, or by `users reset-password admin`) has not been replaced. The sign-in page
   * then says which account to use and where its password was printed; the hint disappears as soon as the
   * admin has set a password. It reveals no more than that a printed one-time password is pending.
   */
  async firstRun(): Promise<{ firstRun: boolean; username?: string }> {
    const admin = await this.users.byUsername(this.db, 'admin');
    return admin && admin.mustChangePassword && !admin.disabled ? { firstRun: true, username: admin.username } : { firstRun: false };
  }

  async bootstrap(password?: string): Promise<{ created: boolean; username: string; password?: string; generated: boolean }> {
    if ((await this.users.count(this.db)) > 0) return { created: false, username: 'admin', generated: false };
    const generated = !password;
    const pw = password || generatePassword();
    const hash = await hashPassword(pw);
    const id = newId('usr');
    const created = await this.db.transaction(async (tx) => {
      const ok = await this.users.insert(tx, { id, username: 'admin', displayName: '管理员', role: 'admin', passwordHash: hash, mustChangePassword: true }, { onlyIfEmpty: true });
      if (ok) await this.audit.append(tx, { actor: 'system', action: 'user.create', target: `user:${id}`, details: { username: 'admin', role: 'admin', bootstrap: true } });
      return ok;
    });
    return { created, username: 'admin', ...(created ? { password: pw } : {}), generated };
  }
}

