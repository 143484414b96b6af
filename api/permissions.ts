import type { FastifyInstance } from 'fastify';

/**
 * Permissions a route can require. The Security issue adds accounts and enforcement; declaring
 * them now means every route already states what it needs, and a route without a declaration
 * cannot even be registered.
 */
export const PERMISSIONS = ['public', 'knowledge.read', 'knowledge.review', 'sources.manage', 'jobs.manage', 'admin.users', 'audit.read'] as const;
export type Permission = (typeof PERMISSIONS)[number];

declare module 'fastify' {
  interface FastifyContextConfig {
    permission?: Permission;
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
