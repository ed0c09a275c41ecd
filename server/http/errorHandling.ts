import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError, databaseFault, dbUnavailable, isAppError } from '../errors.js';

/**
 * Turns every failure into `{ error: { code, message, field? } }` with the registry's status.
 * A database fault from anywhere (a dropped connection, a database restarting) is DB_UNAVAILABLE,
 * logged as one warn line: during an outage every request fails the same way. Unknown errors are
 * logged with their stack and answered as INTERNAL without details.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    // A client error stays one; a server-side failure caused by the database is the database's.
    const fault = isAppError(error) && error.statusCode < 500 ? undefined : databaseFault(error);
    const appError = fault ? dbUnavailable(error, fault) : isAppError(error) ? error : fromFastifyError(error);
    if (fault) request.log.warn({ code: appError.code, reason: fault.reason }, appError.message);
    else if (appError.statusCode >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: appError.code }, appError.message);
    return reply.status(appError.statusCode).send(appError.toBody());
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send(new AppError('NOT_FOUND', { method: request.method, url: request.url.split('?')[0]! }).toBody()),
  );
}

function fromFastifyError(error: FastifyError): AppError {
  if (error.validation) {
    const first = error.validation[0];
    const field = first?.instancePath?.replace(/^\//, '').replace(/\//g, '.') || String(first?.params?.missingProperty ?? error.validationContext ?? 'body');
    return new AppError('VALIDATION_FAILED', { field, reason: first?.message ?? error.message });
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('BODY_TOO_LARGE');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', { type: error.message.replace(/^Unsupported Media Type: ?/, '') || 'unknown' });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError('BODY_INVALID', { reason: error.message });
  }
  if (error.statusCode === 400 && error instanceof SyntaxError) return new AppError('BODY_INVALID', { reason: 'malformed JSON' });
  if (error.statusCode === 429) return new AppError('RATE_LIMITED');
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) return new AppError('BODY_INVALID', { reason: error.message });
  return new AppError('INTERNAL', {}, { cause: error });
}
