import { readFile } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { bootServer, type Server } from '../server/boot.js';
import { createLogger } from '../server/logging/index.js';
import { PRECREDIT_UPLOAD_LIMIT } from '../server/studio/precreditRoutes.js';
import { consoleCall, consoleLogin, type ConsoleSession } from './support/consoleClient.js';
import { createEchoSpec } from './support/echoConversation.js';
import { createTestDatabase, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';

const logger = createLogger('silent');
let database: TestDatabase | undefined;
let server: Server | undefined;
afterAll(async () => {
  await server?.app.close();
  await database?.drop();
});

const upload = (as: ConsoleSession, body: string | Buffer, query = 'fileName=sample.csv', headers: Record<string, string> = {}) =>
  server!.app.inject({ method: 'POST', url: `/api/v1/staff/studio/precredit?${query}`, headers: { cookie: as.cookie, 'x-csrf-token': as.csrf, 'content-type': 'text/csv', ...headers }, payload: body });

describe(`pre-credit routes on ${testDatabaseKind()}`, () => {
  it('admins upload a file and follow it to its whitelist and exclusions; supervisors view and export; others are refused; all audited', async () => {
    database = await createTestDatabase();
    server = await bootServer(testConfig(database), logger, { spec: createEchoSpec({ lookupMs: 1 }) });
    await server.app.ready();
    const admin = await consoleLogin(server.app, 'admin');
    const supervisor = await consoleLogin(server.app, 'zhuguan');
    const manager = await consoleLogin(server.app, 'jingli');
    const sample = await readFile('samples/precredit-customers.csv');

    expect((await upload(supervisor, sample)).statusCode).toBe(403);
    expect((await upload(manager, sample)).statusCode).toBe(403);
    const empty = await upload(admin, '');
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error.code).toBe('PRECREDIT_FILE_EMPTY');
    const big = await upload(admin, Buffer.alloc(PRECREDIT_UPLOAD_LIMIT + 1, 0x41));
    expect(big.statusCode).toBe(413);
    expect(big.json().error).toMatchObject({ code: 'PRECREDIT_FILE_TOO_LARGE', message: expect.stringMatching(/larger than 64 MB/) });

    const started = await upload(admin, sample);
    expect(started.statusCode, started.body).toBe(202);
    const id = (started.json() as { batch: { id: string } }).batch.id;
    let batch: { status: string; processed: number; whitelisted: number; excluded: number; scoring: boolean } | undefined;
    for (let i = 0; i < 600; i++) {
      batch = (await consoleCall(server.app, 'GET', `/api/v1/staff/studio/precredit/${id}`, supervisor)).json().batch;
      if (batch!.status !== 'running' && !batch!.scoring) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(batch).toMatchObject({ status: 'done', processed: 200 });
    const list = (await consoleCall(server.app, 'GET', '/api/v1/staff/studio/precredit', supervisor)).json() as { batches: { id: string }[] };
    expect(list.batches.map((b) => b.id)).toEqual([id]);
    expect((await consoleCall(server.app, 'GET', '/api/v1/staff/studio/precredit', manager)).statusCode).toBe(403);

    const white = (await consoleCall(server.app, 'GET', `/api/v1/staff/studio/precredit/${id}/entries?outcome=whitelisted&pageSize=10`, supervisor)).json();
    expect(white.total).toBe(batch!.whitelisted);
    expect(white.entries).toHaveLength(10);
    expect(white.entries[0]).toMatchObject({ outcome: 'whitelisted', limitFen: expect.any(Number), phoneMasked: expect.stringMatching(/\*/) });
    expect(JSON.stringify(white)).not.toMatch(/\d{17}[\dX]/);
    const low = (await consoleCall(server.app, 'GET', `/api/v1/staff/studio/precredit/${id}/entries?reason=SCORE_BELOW_CUTOFF`, supervisor)).json();
    expect(low.total).toBeGreaterThan(0);
    expect(low.entries.every((e: { reasons: string[] }) => e.reasons.includes('SCORE_BELOW_CUTOFF'))).toBe(true);
    expect((await consoleCall(server.app, 'GET', `/api/v1/staff/studio/precredit/${id}/entries?reason=drop%20table`, supervisor)).statusCode).toBe(400);

    const csv = await consoleCall(server.app, 'GET', `/api/v1/staff/studio/precredit/${id}/exclusions.csv`, supervisor);
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.body.trim().split('\r\n')).toHaveLength(batch!.excluded + 1);

    // The same file again: reported, nothing written twice.
    const again = await upload(admin, sample);
    expect(again.json()).toMatchObject({ alreadyDone: true, batch: { id } });
    const audits = await server.db.prisma.auditLog.findMany({ where: { subjectType: 'PrecreditBatch' }, orderBy: { at: 'asc' } });
    expect(audits.map((a) => [a.action, a.actorId])).toEqual([['precredit.uploaded', admin.staffId], ['precredit.exported', supervisor.staffId], ['precredit.uploaded', admin.staffId]]);
  }, 300_000);
});
