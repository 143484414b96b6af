import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * The session cookie. @fastify/cookie is not among our dependencies and we need only one cookie, so
 * the Cookie header is parsed here (RFC 6265 pairs) and Set-Cookie written by hand.
 */
export const SESSION_COOKIE = 'yz_session';

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

const attrs = (req: FastifyRequest) => `Path=/; HttpOnly; SameSite=Strict${req.protocol === 'https' ? '; Secure' : ''}`;

/** Set the session cookie (HTTP-only, SameSite=Strict, Secure over https) until `expires`. */
export function setSessionCookie(req: FastifyRequest, reply: FastifyReply, secret: string, expires: Date): void {
  reply.header('set-cookie', `${SESSION_COOKIE}=${encodeURIComponent(secret)}; ${attrs(req)}; Expires=${expires.toUTCString()}`);
}

export function clearSessionCookie(req: FastifyRequest, reply: FastifyReply): void {
  reply.header('set-cookie', `${SESSION_COOKIE}=; ${attrs(req)}; Max-Age=0`);
}
