import type { FastifyRequest } from 'fastify';

/**
 * Who performs an action, for history and the audit log: the signed-in principal's username
 * (resolved by the enforcement hook from the session cookie or a bearer token). The old
 * X-YingZhi-Reviewer header is ignored: a caller cannot name someone else.
 */
export function actorOf(req: FastifyRequest): string {
  return req.principal?.username ?? 'anonymous';
}
