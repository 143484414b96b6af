import type { FastifyRequest } from 'fastify';

/**
 * Who performs an action, for history and the audit log. Until accounts exist (Security issue) the
 * reviewer names themselves in `X-YingZhi-Reviewer`; the session user replaces this, not the callers.
 */
export function actorOf(req: FastifyRequest): string {
  const raw = req.headers['x-yingzhi-reviewer'];
  const name = (Array.isArray(raw) ? raw[0] : raw)?.trim().slice(0, 64);
  return name && /^[\p{L}\p{N}._@ -]+$/u.test(name) ? name : 'local-reviewer';
}
