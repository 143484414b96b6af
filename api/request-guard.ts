import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { AppError } from '../core/index.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Request body media types the route accepts. Declared by the route (`config.accepts`) or derived
     * at registration: the schema's `consumes`, else `application/json` for a route with a body
     * schema, else none (a bodiless action, which still tolerates an empty `{}` JSON body).
     */
    accepts?: readonly string[];
  }
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** What a route accepts, from its declaration or its schema. */
function acceptsOf(route: RouteOptions): string[] {
  const declared = (route.config as { accepts?: readonly string[] } | undefined)?.accepts;
  if (declared) return declared.map((t) => t.toLowerCase());
  const schema = route.schema as { consumes?: string[]; body?: unknown } | undefined;
  if (schema?.consumes?.length) return schema.consumes.map((t) => t.toLowerCase());
  return schema?.body ? ['application/json'] : [];
}

/** The media type of a Content-Type header: `multipart/form-data; boundary=…` → `multipart/form-data`. */
function mediaType(header: string | undefined): string | null {
  if (!header) return null;
  return header.split(';', 1)[0].trim().toLowerCase() || null;
}

function hasBody(req: FastifyRequest): boolean {
  const len = req.headers['content-length'];
  return (len !== undefined && len !== '0') || req.headers['transfer-encoding'] !== undefined;
}

const isBearer = (req: FastifyRequest) => /^bearer\s/i.test(req.headers.authorization ?? '');

export interface RequestGuardOptions {
  /** Origins browsers use to reach this server through a proxy (YZ_PUBLIC_ORIGIN), besides the server's own. */
  publicOrigins: readonly string[];
}

/**
 * Same-site CSRF defence (issue 12, H1), before authentication and before any body is read.
 * SameSite=Strict keeps the session cookie from cross-*site* pages, but a page on another port of the
 * host or a sibling subdomain is the same *site*: its no-cors fetch or form POST (multipart,
 * text/plain, or no body at all) arrives with the victim's cookie. So a state-changing request
 * (POST/PUT/PATCH/DELETE) that a browser could have sent on its own is accepted only when
 *  - `Sec-Fetch-Site` is `same-origin` (or `none`: typed by the user, never from a page), or
 *  - its `Origin` is this server's own origin or one of YZ_PUBLIC_ORIGIN (browsers without Fetch
 *    Metadata; a UI served from another origin behind a proxy);
 * and refused with 403 CSRF_REJECTED otherwise. Requests with neither header come from non-browser
 * clients (CLI, scripts), which no web page can impersonate; bearer-token requests are not ambient
 * credentials and skip the check (a page cannot set Authorization without a CORS preflight, which
 * this server never grants).
 */
export function rejectCrossOriginWrites(app: FastifyInstance, opts: RequestGuardOptions): void {
  const allowed = new Set(opts.publicOrigins);
  app.addHook('onRequest', async (req) => {
    if (!STATE_CHANGING.has(req.method) || isBearer(req)) return;
    const site = req.headers['sec-fetch-site'];
    if (site === 'same-origin' || site === 'none') return;
    const origin = req.headers.origin;
    if (origin && origin !== 'null') {
      if (origin === `${req.protocol}://${req.host}` || allowed.has(origin)) return;
    } else if (!site && !origin) {
      return; // not a browser
    }
    throw new AppError(
      'CSRF_REJECTED',
      `拒绝来自其他来源的写请求 / cross-origin write refused: ${req.method} from ${origin ?? 'an opaque origin'} (Sec-Fetch-Site: ${site ?? 'absent'}); use the YingZhi page itself or an API token`,
      { details: { origin: origin ?? null, secFetchSite: site ?? null } },
    );
  });
}

/**
 * Every route declares the body types it accepts (see `accepts`); a state-changing request with any
 * other Content-Type is refused with 415 before its body is read — bearer clients included. A bodiless
 * route takes no body, or an empty JSON one. Registered after authentication, so an anonymous caller
 * still hears 401 first.
 */
export function requireDeclaredContentTypes(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    if (!route.config?.permission) return; // Swagger UI's own pages: GET only
    route.config = { ...route.config, accepts: acceptsOf(route) };
  });
  app.addHook('onRequest', async (req) => {
    if (!STATE_CHANGING.has(req.method)) return;
    const accepts = req.routeOptions.config?.accepts;
    if (!accepts) return;
    const type = mediaType(req.headers['content-type']);
    if (!hasBody(req) && type === null) return;
    const ok = accepts.length === 0 ? type === 'application/json' : type !== null && accepts.includes(type);
    if (!ok) {
      const expected = accepts.length ? accepts.join(', ') : 'no body';
      throw new AppError('UNSUPPORTED_CONTENT_TYPE', `不支持的请求体类型 / unsupported Content-Type ${type ?? '(none)'} for ${req.method} ${req.routeOptions.url}: expected ${expected}`, {
        field: 'content-type',
        details: { accepts },
      });
    }
  });
}
