import { z } from 'zod';
import { firstIssueFailure } from './zodValidation.js';

/**
 * Validates a value with zod; the first problem becomes VALIDATION_FAILED naming the field. Routes
 * give their schemas to fastify instead (`schema: { body }`, server/http/zodValidation.ts), which
 * answers the same way; this is for values read elsewhere.
 */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  throw firstIssueFailure(result.error);
}

/** The largest value a PostgreSQL integer (int4) column holds: message sequence numbers, counts. */
export const INT4_MAX = 2_147_483_647;

/**
 * A whole number read from a query string, from `min` to `max` — never more than an int4 column
 * holds, so no number a client sends reaches the database as an overflow (a 500).
 */
export const queryInt = (min: number, max: number = INT4_MAX) =>
  z.coerce
    .number({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(min, `must be at least ${min}`)
    .max(Math.min(max, INT4_MAX), `must be at most ${Math.min(max, INT4_MAX)}`);
