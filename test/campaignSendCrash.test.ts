import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../server/db/index.js';
import { createTestDatabase, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';

/**
 * A process sending a 10,000-recipient web-chat campaign is killed with SIGKILL half-way and started
 * again (half an hour later, so the dead process's claims have lapsed): the campaign finishes and
 * every recipient has exactly one delivery, sent, and exactly one campaign message in their chat.
 */
const root = path.resolve(import.meta.dirname, '..');
const RECIPIENTS = 10_000;

interface Child {
  readonly done: Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }>;
}

/** Runs the sender child; with `killAt`, SIGKILLs it once it reported that many sent. */
function runChild(env: Record<string, string>, killAt?: number): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/campaignSendChild.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', KUAIDAI_ENV: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    const last = [...out.matchAll(/SENT (\d+)/g)].at(-1);
    if (killAt !== undefined && last && Number(last[1]) >= killAt && child.exitCode === null) child.kill('SIGKILL');
  });
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return { done: new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, out, err }))) };
}

let database: TestDatabase;
afterAll(async () => {
  await database?.drop();
});

describe(`a campaign send killed half-way, on ${testDatabaseKind()}`, () => {
  it('restarted, it reaches each of 10,000 web-chat recipients exactly once', async () => {
    database = await createTestDatabase({ persistent: true });
    const env = { DATABASE_URL: database.url };

    const killed = await runChild({ ...env, SEED: String(RECIPIENTS), START: '2026-03-02T10:00:00+08:00' }, RECIPIENTS / 2).done;
    expect(killed.signal, killed.err).toBe('SIGKILL');
    expect(killed.out).not.toContain('DONE');

    const db1 = await openDatabase(testConfig(database).database);
    try {
      const half = await db1.prisma.campaignDelivery.count({ where: { status: 'sent' } });
      expect(half).toBeGreaterThanOrEqual(RECIPIENTS / 2);
      expect(half).toBeLessThan(RECIPIENTS);
    } finally {
      await db1.close();
    }

    const rerun = await runChild({ ...env, START: '2026-03-02T10:30:00+08:00' }).done;
    expect(rerun.code, rerun.err).toBe(0);
    expect(rerun.out).toContain('DONE {"status":"done"}');

    const db = await openDatabase(testConfig(database).database);
    try {
      const deliveries = await db.prisma.campaignDelivery.groupBy({ by: ['status'], _count: { _all: true } });
      expect(deliveries).toEqual([{ status: 'sent', _count: { _all: RECIPIENTS } }]);
      const [row] = await db.prisma.$queryRaw<{ conversations: number; messages: number; once: number; inOrder: number }[]>`
        SELECT (SELECT count(*) FROM "Conversation")::int AS conversations,
               (SELECT count(*) FROM "Message" WHERE author = 'campaign:CRASH')::int AS messages,
               (SELECT count(*) FROM (SELECT "conversationId" FROM "Message" WHERE author = 'campaign:CRASH' GROUP BY "conversationId" HAVING count(*) = 1) x)::int AS once,
               (SELECT count(*) FROM "Message" m JOIN "Conversation" c ON c.id = m."conversationId" WHERE m.author = 'campaign:CRASH' AND m.seq = c."lastSeq" AND m.seq = 1)::int AS "inOrder"`;
      expect(row).toEqual({ conversations: RECIPIENTS, messages: RECIPIENTS, once: RECIPIENTS, inOrder: RECIPIENTS });
    } finally {
      await db.close();
    }
  }, 600_000);
});
