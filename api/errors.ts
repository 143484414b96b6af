import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, isAppError } from '../core/index.ts';

/** Every error leaves as `{ error: { code, message, field? } }` with the right status; details go to the log. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const e = toAppError(err);
    if (e.status >= 500) req.log.error({ err }, 'request failed');
    else req.log.info({ code: e.code, field: e.field }, e.message);
    const retryAfter = e.details?.retryAfterSeconds;
    if (typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
    return reply.code(e.status).send(e.toJSON());
  });
  app.setNotFoundHandler((req, reply) => {
    const e = new AppError('NOT_FOUND', `没有这个接口 / no route ${req.method} ${req.url.split('?')[0]}`);
    return reply.code(404).send(e.toJSON());
  });
}

function toAppError(err: FastifyError): AppError {
  if (isAppError(err)) return err;
  if (hasZodFastifySchemaValidationErrors(err)) {
    const v = err.validation[0];
    const field = String(v?.instancePath?.replace(/^\//, '').split('/')[0] || (v?.params as { issue?: { path?: unknown[] } } | undefined)?.issue?.path?.[0] || err.validationContext || '');
    return new AppError('VALIDATION_FAILED', `参数 ${field} 无效 / invalid ${err.validationContext ?? 'input'} ${field}: ${v?.message ?? ''}`, {
      field: field || undefined,
    });
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'FST_REQ_FILE_TOO_LARGE':
    case 'FST_FILES_LIMIT':
      return new AppError('FILE_TOO_LARGE', `请求体过大 / request body too large: ${err.message}`, { field: 'file' });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return new AppError('UNSUPPORTED_FILE_TYPE', `不支持的请求类型 / unsupported content type: ${err.message}`);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new AppError('VALIDATION_FAILED', `请求体不是有效的 JSON / invalid JSON body: ${err.message}`, { field: 'body' });
    default:
      if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return new AppError('VALIDATION_FAILED', err.message);
      return new AppError('INTERNAL', '服务器内部错误 / internal error', { cause: err });
  }
}
