import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootServer, type Server } from '../server/boot.js';
import { createLendingConversation } from '../server/lendingConversation.js';
import { createLogger } from '../server/logging/index.js';
import { createTestDatabase, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';

/** The console's page is served from the same in-memory bundler as the web chat, with a strict CSP and no third-party source. */
describe(`console page on ${testDatabaseKind()}`, () => {
  let database: TestDatabase;
  let server: Server;
  beforeAll(async () => {
    database = await createTestDatabase();
    server = await bootServer(testConfig(database, { JOBS_POLL_MS: '0' }), createLogger('silent'), { spec: createLendingConversation });
  });
  afterAll(async () => {
    await server?.app.close();
    await database?.drop();
  });

  it('serves /console with its hashed script and stylesheet, and nothing from another origin', async () => {
    const page = await server.app.inject({ url: '/console' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['x-frame-options']).toBe('DENY');
    const script = /src="(\/console\/assets\/console-[0-9a-f]{12}\.js)"/.exec(page.body)?.[1];
    const style = /href="(\/console\/assets\/console-[0-9a-f]{12}\.css)"/.exec(page.body)?.[1];
    expect(script && style).toBeTruthy();
    expect(page.body).not.toMatch(/https?:\/\//);
    const js = await server.app.inject({ url: script! });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toContain('text/javascript');
    expect(js.headers['cache-control']).toContain('immutable');
    expect(js.body).not.toMatch(/\binnerHTML\b|insertAdjacentHTML|document\.write/);
    const css = await server.app.inject({ url: style! });
    // The shared design tokens are bundled in (the web chat's colours).
    expect(css.body).toContain('#c8102e');
    expect((await server.app.inject({ url: '/console/assets/nope.js' })).statusCode).toBe(404);
    // The web chat's page still comes from the same mechanism.
    const chat = await server.app.inject({ url: '/' });
    expect(chat.body).toMatch(/\/assets\/chat-[0-9a-f]{12}\.css/);
  });
});
