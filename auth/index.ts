/**
 * Auth capability (Security issue): local accounts (scrypt), browser sessions, scoped bearer tokens,
 * lockout and per-address limits, and the role → permission table every route is checked against.
 *
 *  - `AuthService.login / resolveSession / resolveToken / changePassword / createToken / revokeToken`
 *  - administration: `createUser / updateUser / resetPassword / listUsers`, `bootstrap()` on first start
 *  - `PERMISSIONS`, `ROLES`, `ROLE_PERMISSIONS`, `allows()`
 *
 * Storage: store/migrations/009_auth.sql (users, auth_sessions, api_tokens, auth_login_attempts).
 * HTTP: api/auth.routes.ts, api/admin-users.routes.ts, enforcement in api/permissions.ts. CLI: cli/commands/users.ts.
 */
export { type AuthOptions, AuthService, checkNewPassword, normaliseUsername, type Principal, type PublicUser, toPublicUser, USERNAME_RE } from './auth.service.ts';
export { generatePassword, hashPassword, verifyPassword } from './password.ts';
export { allows, GRANTABLE, isRole, PERMISSIONS, type Permission, ROLE_LABELS, ROLE_PERMISSIONS, ROLES, type Role } from './roles.ts';
export type { TokenRow } from './tokens.repository.ts';
export type { UserRow } from './users.repository.ts';
