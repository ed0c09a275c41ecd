import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';
import { CONSOLE_PAGE, PAGE_HEADERS, sharedPageAssets } from '../http/pageAssets.js';
import { PUBLIC, doc } from '../http/apiSchemas.js';

/** Where the staff console is served. */
export const CONSOLE_PATH = '/console';

/**
 * The staff console's page at /console and its hashed assets under /console/assets/, bundled by
 * the same mechanism as the web chat (../http/pageAssets.ts). The page itself holds no data: every
 * call it makes goes to the staff API, which checks the session and roles.
 */
export async function consolePlugin(app: FastifyInstance): Promise<void> {
  const assets = await sharedPageAssets(CONSOLE_PAGE);
  app.get(CONSOLE_PATH, { schema: { ...doc('console', 'The staff console’s page (HTML); it calls the staff API · 坐席工作台页面', PUBLIC) } }, async (_request, reply) => reply.headers(PAGE_HEADERS).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(assets.html));
  app.get(`${CONSOLE_PATH}/`, { schema: { hide: true } }, async (_request, reply) => reply.redirect(CONSOLE_PATH));
  // Hashed static files of the page, not an API.
  app.get<{ Params: { name: string } }>(`${CONSOLE_PATH}/assets/:name`, { schema: { hide: true } }, async (request, reply) => {
    const asset = assets.files.get(request.params.name);
    if (!asset) throw new AppError('NOT_FOUND', { method: 'GET', url: request.url });
    return reply.header('cache-control', 'public, max-age=31536000, immutable').type(asset.type).send(asset.body);
  });
}
