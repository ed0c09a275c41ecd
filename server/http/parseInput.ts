import type { z } from 'zod';
import { AppError } from '../errors.js';

/** Validates a request part with zod; the first problem becomes VALIDATION_FAILED naming the field. */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new AppError('VALIDATION_FAILED', { field: issue.path.length ? issue.path.join('.') : 'body', reason: issue.message });
}
