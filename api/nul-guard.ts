import type { FastifyInstance } from 'fastify';
import { AppError } from '../core/index.ts';

/** Where in a request value a NUL character sits (path like `body.items.2.name`), or null. */
function findNul(v: unknown, at: string, depth = 0): string | null {
  if (typeof v === 'string') return v.includes('\u0000') ? at : null;
  if (depth > 20 || v === null || typeof v !== 'object') return null;
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    const hit = findNul(x, `${at}.${k}`, depth + 1);
    if (hit) return hit;
  }
  return null;
}

/**
 * PostgreSQL text cannot hold U+0000, so a NUL in any parameter, query or JSON body would surface as a
 * database error (500). Refuse it up front as bad input naming the field (found by the API fuzz test).
 */
export function rejectNulCharacters(app: FastifyInstance): void {
  app.addHook('preValidation', async (req) => {
    const hit = findNul(req.params, 'params') ?? findNul(req.query, 'query') ?? findNul(req.body, 'body');
    if (hit) {
      const field = hit.split('.').slice(1).join('.') || hit;
      throw new AppError('VALIDATION_FAILED', `${field} 含有不允许的空字符（U+0000）/ contains a NUL character`, { field });
    }
  });
}
