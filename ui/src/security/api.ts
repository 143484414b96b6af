/**
 * Client of the accounts, tokens, user administration and audit routes (Security issue contract,
 * /work/notes/security-contract.md). List answers are accepted as `{ items }` or as a bare array.
 */
import { GRANTABLE, ROLES, type Role, type Permission as ServerPermission } from '../../../auth/roles.ts';
import { qs, request } from '../api.ts';

export type { Role };
export { ROLES };
/** Permissions a role can hold (the server's list without the `public` / `authenticated` pseudo-permissions). */
export type Permission = Exclude<ServerPermission, 'public' | 'authenticated'>;
export const PERMISSIONS = GRANTABLE as readonly Permission[];

export interface Me {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  permissions: string[];
  mustChangePassword: boolean;
}

export interface UserDto {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  disabled: boolean;
  mustChangePassword?: boolean;
  createdAt?: string;
  /** Last successful sign-in; null when never. */
  lastLoginAt?: string | null;
}

export interface TokenDto {
  id: string;
  name: string;
  scopes?: string[] | null;
  createdAt?: string;
  expiresAt?: string | null;
  lastUsedAt?: string | null;
  revokedAt?: string | null;
  username?: string;
}

export interface AuditRow {
  seq: number;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export interface AuditVerifyDto {
  ok: boolean;
  rows: number;
  firstSeq: number | null;
  lastSeq: number | null;
  headHash: string;
  problems: Array<{ kind: string; seq: number | null; message: string }>;
  problemCount: number;
  elapsedMs: number;
  checkedAt: string;
  /** The latest signed checkpoint (outside the database) the log was compared with. */
  checkpoint: { seq: number; hash: string; at: string; keyId: string; checked: number } | null;
  warnings: string[];
}

export interface AuditQuery {
  actor?: string;
  action?: string;
  target?: string;
  from?: string;
  to?: string;
  limit?: number;
  offset?: number;
}

/** What a password change or reset ended. */
export interface Revoked {
  sessionsRevoked: number;
  tokensRevoked: number;
}

const enc = encodeURIComponent;
const items = <T>(body: T[] | { items: T[] }): T[] => (Array.isArray(body) ? body : body.items);

export const secApi = {
  me: (signal?: AbortSignal) => request<{ user: Me }>('GET', '/api/auth/me', signal).then((b) => b.user),
  firstRun: () => request<{ firstRun: boolean; username?: string }>('GET', '/api/auth/first-run'),
  login: (username: string, password: string) => request<{ user: Me }>('POST', '/api/auth/login', undefined, { username, password }),
  logout: () => request<void>('POST', '/api/auth/logout'),
  changePassword: (current: string, next: string) => request<Revoked>('POST', '/api/auth/password', undefined, { current, next }),
  tokens: (signal?: AbortSignal) => request<TokenDto[] | { items: TokenDto[] }>('GET', '/api/auth/tokens', signal).then(items),
  createToken: (body: { name: string; scopes?: string[]; expiresInDays: number }) =>
    request<TokenDto & { token: string }>('POST', '/api/auth/tokens', undefined, body),
  revokeToken: (id: string) => request<void>('DELETE', `/api/auth/tokens/${enc(id)}`),
  users: (signal?: AbortSignal) => request<UserDto[] | { items: UserDto[] }>('GET', '/api/admin/users', signal).then(items),
  createUser: (body: { username: string; displayName: string; role: Role; password?: string }) =>
    request<{ user: UserDto; initialPassword?: string }>('POST', '/api/admin/users', undefined, body),
  updateUser: (id: string, body: { displayName?: string; role?: Role; disabled?: boolean }) =>
    request<UserDto | { user: UserDto }>('PATCH', `/api/admin/users/${enc(id)}`, undefined, body),
  resetPassword: (id: string) => request<Revoked & { initialPassword: string }>('POST', `/api/admin/users/${enc(id)}/reset-password`),
  audit: (q: AuditQuery, signal?: AbortSignal) => request<{ total: number; items: AuditRow[] }>('GET', `/api/audit${qs({ ...q })}`, signal),
  verifyAudit: () => request<AuditVerifyDto>('POST', '/api/audit/verify'),
};
