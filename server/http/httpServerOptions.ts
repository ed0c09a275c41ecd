import { STATUS_CODES, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { ConnectionError, FastifyHttpOptions, FastifyInstance } from 'fastify';
import type { Config } from '../config/index.js';
import { AppError } from '../errors.js';

/**
 * The HTTP server's time and connection limits, from configuration: a client must send its whole
 * request within `requestTimeoutMs` (a slow body is cut with 408), a silent connection is closed
 * after `connectionTimeoutMs`, an idle keep-alive one after `keepAliveTimeoutMs` or
 * `maxRequestsPerSocket` requests. Proxies are trusted only as configured (TRUST_PROXY).
 */
export function httpServerOptions(config: Pick<Config, 'http' | 'trustProxy'>): FastifyHttpOptions<Server> {
  const { http } = config;
  return {
    requestTimeout: http.requestTimeoutMs,
    connectionTimeout: http.connectionTimeoutMs,
    keepAliveTimeout: http.keepAliveTimeoutMs,
    maxRequestsPerSocket: http.maxRequestsPerSocket,
    // Node checks request deadlines on an interval (30 s by default): often enough that a timeout is kept to within a quarter of itself.
    http: { headersTimeout: Math.min(http.requestTimeoutMs, 60_000), connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(http.requestTimeoutMs / 4))) },
    trustProxy: config.trustProxy.length ? [...config.trustProxy] : false,
    clientErrorHandler,
  };
}

/** Open connections past this are closed by Node as they arrive (websockets count). */
export function capConnections(app: FastifyInstance, maxConnections: number): void {
  app.server.maxConnections = maxConnections;
}

/**
 * A request the server gave up on before routing it (too slow, headers too large, not HTTP) is
 * answered with the usual coded body, when nothing of a response was sent yet, and closed.
 */
function clientErrorHandler(this: FastifyInstance, error: ConnectionError, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const appError =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? new AppError('REQUEST_TIMEOUT')
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? new AppError('HEADERS_TOO_LARGE')
        : new AppError('BODY_INVALID', { reason: 'malformed HTTP request' });
  this.log.info({ code: appError.code, reason: error.code }, appError.message);
  const started = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
  if (socket.writable && !started) {
    const body = JSON.stringify(appError.toBody());
    socket.write(
      `HTTP/1.1 ${appError.statusCode} ${STATUS_CODES[appError.statusCode]}\r\n` +
        `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
        'cache-control: no-store\r\nx-content-type-options: nosniff\r\nconnection: close\r\n\r\n' +
        body,
    );
  }
  socket.destroy(error);
}
