import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../server/db/index.js';
import { createTestDatabase, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';

/**
 * A server killed with SIGKILL in the middle of a reminder sweep — right after a reminder reached the
 * conversation and before its ContactLog row was marked sent (crash point `contact.after_send`) — and
 * started again: the rerun finishes every due reminder, and each borrower is told exactly once.
 */
const root = path.resolve(import.meta.dirname, '..');
const BORROWERS = 24;

function runChild(env: Record<string, string>): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/reminderSweepChild.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', KUAIDAI_ENV: 'test', SWEEP_AT: '2026-12-21T02:30:00Z', DUE: '2026-12-22', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code, signal) => resolve({ code, signal, out, err }));
  });
}

let database: TestDatabase;
afterAll(async () => {
  await database?.drop();
});

describe(`a reminder sweep killed mid-way, on ${testDatabaseKind()}`, () => {
  it('restarted, it sends each due reminder exactly once', async () => {
    database = await createTestDatabase({ persistent: true });
    const env = { DATABASE_URL: database.url };

    const killed = await runChild({ ...env, SEED: String(BORROWERS), KUAIDAI_CRASH_AT: 'contact.after_send' });
    expect(killed.signal, killed.err).toBe('SIGKILL');
    expect(killed.out).not.toContain('SWEEP');

    const rerun = await runChild(env);
    expect(rerun.code, rerun.err).toBe(0);
    const again = await runChild(env);
    expect(again.code, again.err).toBe(0);
    expect(JSON.parse(again.out.split('SWEEP ')[1]!)).toMatchObject({ drawdowns: BORROWERS, planned: 0, outcomes: { sent: 0 } });

    const db = await openDatabase(testConfig(database).database);
    try {
      const logs = await db.prisma.contactLog.findMany();
      expect(logs).toHaveLength(BORROWERS);
      expect(logs.every((l) => l.status === 'sent' && l.template === 'reminder.T-1' && l.channel === 'rest')).toBe(true);
      // The crashed sweep had delivered at least one before it died: that row was sent again, and told once.
      expect(logs.some((l) => l.attempts === 2)).toBe(true);
      const told = await db.prisma.message.groupBy({ by: ['conversationId'], where: { direction: 'outbound', text: { contains: '温馨提示' } }, _count: { _all: true } });
      expect(told).toHaveLength(BORROWERS);
      expect(told.every((t) => t._count._all === 1)).toBe(true);
    } finally {
      await db.close();
    }
  }, 180_000);
});
