import pino, { type Logger, type LoggerOptions } from 'pino';
import pretty from 'pino-pretty';
import { scrubPii } from './scrubPii.js';

/** Field paths never written to logs. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'password',
  'token',
  'accessToken',
  'idNumber',
  'phone',
  'mobile',
  'income',
  '*.password',
  '*.token',
  '*.accessToken',
  '*.secret',
  '*.idNumber',
  '*.phone',
  '*.mobile',
  '*.income',
  '*.dataKey',
  '*.text',
];

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    hooks: {
      // Free-text log messages pass through the PII scrubber too.
      logMethod(args, method) {
        method.apply(this, args.map((a) => (typeof a === 'string' ? scrubPii(a) : a)) as Parameters<typeof method>);
      },
    },
    serializers: {
      req: (req: { method: string; url: string; id?: string }) => ({ id: req.id, method: req.method, url: scrubPii(req.url.replace(/([?&](?:token|code|ticket|signature|msg_signature)=)[^&]*/gi, '$1[redacted]')) }),
      // An error's message may quote what a borrower typed.
      err: (error: Error) => {
        const out = pino.stdSerializers.err(error);
        if (typeof out !== 'object' || out === null) return out;
        return {
          ...out,
          ...(typeof out.message === 'string' ? { message: scrubPii(out.message) } : {}),
          ...(typeof out.stack === 'string' ? { stack: scrubPii(out.stack) } : {}),
        };
      },
    },
  };
}

/** JSON lines for machines; `pretty` gives readable, coloured lines for a developer's terminal. */
export function createLogger(level: string, format: 'json' | 'pretty' = 'json', destination?: pino.DestinationStream): Logger {
  const stream = destination ?? (format === 'pretty' ? pretty({ sync: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' }) : undefined);
  return stream ? pino(loggerOptions(level), stream) : pino(loggerOptions(level));
}
