import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * The session cookie. @fastify/cookie is not among our dependencies and we need only one cookie, so
 * the Cookie header is parsed here (RFC 6265 pairs) and Set-Cookie written by hand.
 */
export const SESSION_COOKIE = 'yz_session';
/** Marks a browser that signed in before (login throttling, auth/login-throttle.ts); sent only to the login route. */
export const DEVICE_COOKIE = 'yz_device';
const DEVICE_MAX_AGE_S = 180 * 86_400;

/** The value of one cookie from the request's Cookie header, or null. */
export function readCookie(req: FastifyRequest, name: string): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const raw = part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
    try {
      return decodeURIComponent(raw);
    } catch {
      return null;
    }
  }
  return null;
}

/** `Secure` whenever the browser reached us over TLS: directly, or through a proxy trusted with YZ_TRUST_PROXY (X-Forwarded-Proto). */
const secure = (req: FastifyRequest) => (req.protocol === 'https' ? '; Secure' : '');
const attrs = (req: FastifyRequest) => `Path=/; HttpOnly; SameSite=Strict${secure(req)}`;

/** Set the session cookie (HTTP-only, SameSite=Strict, Secure over https) until `expires`. */
export function setSessionCookie(req: FastifyRequest, reply: FastifyReply, secret: string, expires: Date): void {
  reply.header('set-cookie', `${SESSION_COOKIE}=${encodeURIComponent(secret)}; ${attrs(req)}; Expires=${expires.toUTCString()}`);
}

export function clearSessionCookie(req: FastifyRequest, reply: FastifyReply): void {
  reply.header('set-cookie', `${SESSION_COOKIE}=; ${attrs(req)}; Max-Age=0`);
}

/** The device cookie (HTTP-only, SameSite=Strict, path of the login route only, 180 days). */
export function setDeviceCookie(req: FastifyRequest, reply: FastifyReply, device: string): void {
  reply.header('set-cookie', `${DEVICE_COOKIE}=${device}; Path=/api/auth/login; HttpOnly; SameSite=Strict${secure(req)}; Max-Age=${DEVICE_MAX_AGE_S}`);
}
