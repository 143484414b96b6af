import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { allows, type AuthService, PERMISSIONS, type Permission, type Principal } from '../auth/index.ts';
import { AppError } from '../core/index.ts';
import { readCookie, SESSION_COOKIE } from './session-cookie.ts';

/**
 * Permissions a route can require (the list and the role table live in auth/roles.ts). Every route
 * declares one in `config.permission`; a route without a declaration cannot even be registered, and
 * the enforcement hook below checks it on every request.
 */
export { PERMISSIONS, type Permission } from '../auth/index.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    permission?: Permission;
  }
  interface FastifyRequest {
    /** Who is calling: set by the enforcement hook on every route that is not public. */
    principal?: Principal;
  }
}

/** Refuse to register any route that does not declare a known permission. */
export function requirePermissionDeclarations(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs')) return; // Swagger UI's own routes
    if (route.method === 'HEAD' || (Array.isArray(route.method) && route.method.every((m) => m === 'HEAD'))) return;
    const p = (route.config as { permission?: string } | undefined)?.permission;
    if (!p || !(PERMISSIONS as readonly string[]).includes(p)) {
      throw new Error(`route ${String(route.method)} ${route.url} declares no permission (config.permission)`);
    }
  });
}

/** The bearer token of `Authorization: Bearer …`, or null. */
function bearerOf(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  if (!h) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  if (!m) throw new AppError('TOKEN_INVALID', '认证头格式无效 / malformed Authorization header (expected "Bearer yzt_…")');
  return m[1];
}

/**
 * Enforce every route's `config.permission` (onRequest, before any body is read): `public` passes;
 * otherwise the principal comes from a bearer token (401 TOKEN_INVALID / TOKEN_EXPIRED / TOKEN_REVOKED)
 * or the `yz_session` cookie (401 UNAUTHENTICATED when absent or expired), and a missing permission
 * is 403 FORBIDDEN naming it. Routes without a declaration are Swagger's /docs pages and the
 * not-found handler, both harmless.
 */
/** What an account still on its one-time password may call: the server enforces the change, not only the UI. */
const PASSWORD_CHANGE_ROUTES = new Set(['/api/auth/me', '/api/auth/password', '/api/auth/logout']);

/** The caller of a request: bearer token (errors for a bad one) or session cookie; null when neither. */
export async function resolvePrincipal(req: FastifyRequest, auth: AuthService): Promise<Principal | null> {
  const token = bearerOf(req);
  if (token) return auth.resolveToken(token);
  const secret = readCookie(req, SESSION_COOKIE);
  return secret ? auth.resolveSession(secret, { background: isBackground(req) }) : null;
}

/**
 * Requests the UI marks as its own polling (status dot, job lists): they keep the page current but
 * are not the user's activity, so they do not extend an idle session.
 */
export const BACKGROUND_HEADER = 'x-yz-background';
const isBackground = (req: FastifyRequest) => req.headers[BACKGROUND_HEADER] === '1';

/**
 * Swagger UI at /docs is for signed-in users (it lists every route and schema): a browser without a
 * session is sent to the sign-in page and back; other requests get 401.
 */
export function requireSignInForDocs(auth: AuthService) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const principal = await resolvePrincipal(req, auth).catch(() => null);
    if (principal && !principal.mustChangePassword) return;
    const page = req.url === '/docs' || req.url === '/docs/';
    if (page) return reply.redirect(`/login?next=${encodeURIComponent('/docs')}`, 302);
    throw new AppError('UNAUTHENTICATED', '请先登录 / please sign in');
  };
}

export function enforcePermissions(app: FastifyInstance, auth: AuthService): void {
  app.decorateRequest('principal', undefined);
  app.addHook('onRequest', async (req) => {
    const required = req.routeOptions.config?.permission;
    if (!required || required === 'public') return;
    const principal = await resolvePrincipal(req, auth);
    if (!principal) throw new AppError('UNAUTHENTICATED', '请先登录 / please sign in');
    req.principal = principal;
    if (principal.mustChangePassword && !PASSWORD_CHANGE_ROUTES.has(req.routeOptions.url ?? '')) {
      throw new AppError('PASSWORD_CHANGE_REQUIRED', '请先修改初始密码 / change your one-time password first (POST /api/auth/password)');
    }
    if (!allows(principal.permissions, required)) {
      throw new AppError('FORBIDDEN', `没有权限 ${required} / permission ${required} required`, { details: { permission: required } });
    }
  });
}

/** The signed-in principal of a non-public route (the hook guarantees it). */
export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw new AppError('UNAUTHENTICATED', '请先登录 / please sign in');
  return req.principal;
}
