import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { API_TAGS, errorResponses } from './apiSchemas.js';
import { STAFF_COOKIE, CSRF_HEADER } from './staffAuth.js';
import { useZodSchemas } from './zodValidation.js';

/** Where the document and its viewer are served. */
export const DOCS_PREFIX = '/docs';

/** The version in the project's package.json, found upward from here (server/http in source, deeper when compiled). */
function packageVersion(): string {
  for (let dir = import.meta.dirname; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'kuaidai' && pkg.version) return pkg.version;
    }
    if (path.dirname(dir) === dir) return '0.0.0';
  }
}

/**
 * swagger-ui's page: its script and stylesheet come from the package through this server (no CDN).
 * Its React components set style attributes, hence 'unsafe-inline' for styles on /docs only; no
 * inline script; the document's "try it out" calls this origin only.
 */
const DOCS_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/**
 * The HTTP API's OpenAPI document, generated from the routes' zod schemas so it cannot drift:
 * JSON at /docs/json (and /docs/yaml), swagger-ui at /docs. Call before any route is registered:
 * it installs the zod validator (same VALIDATION_FAILED answers as before) and the onRoute hook
 * that collects the routes. Public: it describes shapes, never data, and the chat and quote APIs
 * are a published contract for the bank's app.
 */
export async function installApiDocs(app: FastifyInstance, options: { readonly publicBaseUrl: string }): Promise<void> {
  useZodSchemas(app);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: '快贷助手 Kuaidai API',
        version: packageVersion(),
        description: [
          'HTTP APIs of the assistant, generated from the server’s route schemas. 接口文档由服务端路由定义自动生成。',
          '',
          '- Chat (`/api/v1/chat`): the REST channel a bank’s own app uses; behaviour in docs/chat-api.md.',
          '- Quote (`/api/v1/quote`): a stateless loan calculator; docs/quote-api.md.',
          '- Staff (`/api/v1/staff/...`, `/api/v1/studio/...`): the console’s and the bank’s systems’ APIs; docs/staff-api.md.',
          '',
          'Every failure answers `{ error: { code, message, field? } }` with the status of its code.',
        ].join('\n'),
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      },
      servers: [{ url: options.publicBaseUrl }],
      tags: API_TAGS.map((t) => ({ ...t })),
      components: {
        securitySchemes: {
          chatToken: { type: 'http', scheme: 'bearer', description: 'CHAT_API_TOKEN, when the server sets one' },
          metricsToken: { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN, when /metrics is served on the main port with a token' },
          staffToken: { type: 'http', scheme: 'bearer', description: 'STAFF_API_TOKEN: the bank’s systems, acting as the service account' },
          staffSession: {
            type: 'apiKey',
            in: 'cookie',
            name: STAFF_COOKIE,
            description: `A person’s console session (POST /api/v1/staff/login); a state-changing request also sends the session’s CSRF token in ${CSRF_HEADER}`,
          },
        },
      },
    },
    // Every documented route answers failures with the error body.
    transform: (input) => jsonSchemaTransform(input.schema && !input.schema.hide ? { ...input, schema: { ...input.schema, response: { ...errorResponses, ...(input.schema.response as object | undefined) } } } : input),
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, {
    routePrefix: DOCS_PREFIX,
    staticCSP: DOCS_CSP,
    theme: { title: '快贷助手 Kuaidai API · 接口文档' },
    // No call to validator.swagger.io: the page works offline.
    uiConfig: { validatorUrl: null, deepLinking: true },
  });
}
