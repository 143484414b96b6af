import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

/**
 * The one inline style the UI needs: Cytoscape prepends this stylesheet to <head> when a graph is
 * drawn. Allowed by its hash, so `style-src` needs no 'unsafe-inline'.
 */
const CYTOSCAPE_STYLESHEET = '.__________cytoscape_container { position: relative; }';
const sha256 = (s: string) => `'sha256-${createHash('sha256').update(s).digest('base64')}'`;

/**
 * CSP of the app and the API: the Vite build is external scripts and stylesheets only, so no inline
 * script is allowed anywhere; React's `style={…}` props go through the CSSOM, which CSP does not
 * govern. Nothing may frame the app (clickjacking), forms post only to the app, and the page may
 * talk only to its own origin.
 */
export const APP_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  `style-src 'self' ${sha256(CYTOSCAPE_STYLESHEET)}`,
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Swagger UI (signed-in users only) sets inline styles from its bundle; scripts stay external. */
export const DOCS_CSP = APP_CSP.replace(/style-src [^;]+/, "style-src 'self' 'unsafe-inline'");

const FIXED: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'permissions-policy': 'accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/** HSTS only over TLS (directly, or from a trusted proxy's X-Forwarded-Proto): 180 days. */
const HSTS = 'max-age=15552000';

/**
 * Security headers on every response, the UI's included (set on request, so error and not-found
 * answers carry them too; streaming routes copy them with `reply.getHeaders()`). API answers are
 * `Cache-Control: no-store` unless the route says otherwise: patient-adjacent data stays out of
 * shared browser caches on ward workstations.
 */
export function securityHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', async (req, reply) => {
    const path = req.url;
    reply.headers(FIXED);
    reply.header('content-security-policy', path === '/docs' || path.startsWith('/docs/') ? DOCS_CSP : APP_CSP);
    if (req.protocol === 'https') reply.header('strict-transport-security', HSTS);
    if (path.startsWith('/api/')) reply.header('cache-control', 'no-store');
  });
}
