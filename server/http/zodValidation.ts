import type { FastifyInstance, FastifySchemaCompiler } from 'fastify';
import type { z } from 'zod';
import { AppError } from '../errors.js';

/** How a failed schema becomes the client's answer: VALIDATION_FAILED naming the field. */
export type ValidationFailure = (error: z.ZodError) => AppError;

/** The first problem, its path joined with dots (`fees.0.amount`), or `body` for the whole part. */
export const firstIssueFailure: ValidationFailure = (error) => {
  const issue = error.issues[0]!;
  return new AppError('VALIDATION_FAILED', { field: issue.path.length ? issue.path.join('.') : 'body', reason: issue.message });
};

const failures = new WeakMap<z.ZodType, ValidationFailure>();

/**
 * Gives `schema` its own way of naming the failed field (the quote API's `fees[0].amount`); returns
 * the schema. Such a schema also sees an absent part as absent, not as `{}`.
 */
export function failsAs<T extends z.ZodType>(schema: T, failure: ValidationFailure): T {
  failures.set(schema, failure);
  return schema;
}

/**
 * Fastify's validator for the zod schemas in route `schema`s (body, querystring, params): the same
 * parse handlers did with `parseInput` — an absent part is `{}`, the parsed value (defaults, coerced
 * numbers) replaces the request's — and a failure is the AppError itself, which fastify passes to
 * the error handler untouched (it keeps an error's own status and code).
 */
export const zodValidatorCompiler: FastifySchemaCompiler<z.ZodType> =
  ({ schema }) =>
  (data: unknown) => {
    const own = failures.get(schema);
    // Fastify hands an absent part over as null.
    const result = schema.safeParse(own ? (data ?? undefined) : (data ?? {}));
    if (result.success) return { value: result.data };
    return { error: (own ?? firstIssueFailure)(result.error) };
  };

/**
 * Makes routes' zod schemas work on `app`: requests validated as above; responses documented, not
 * enforced or filtered (the handler's object is written as it is). Before any route is registered.
 */
export function useZodSchemas(app: FastifyInstance): void {
  app.setValidatorCompiler(zodValidatorCompiler);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
}
