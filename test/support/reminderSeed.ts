import type { Sql } from '../../server/runtime/index.js';

/**
 * Borrowers with one active drawdown each, set-based (generate_series), for the reminder sweep's
 * crash test and benchmark: ¥30,000 over 3 months at 6.48 %, instalment n due `baseDue` + (n mod
 * `spreadDays`) days (then monthly), unpaid; a private conversation on `channel` (or none). Ids are
 * md5('r<table>.' || n)::uuid, so a clone is found again by its number.
 */
export async function seedReminderPortfolio(sql: Sql, o: { readonly from: number; readonly count: number; readonly baseDue: string; readonly spreadDays: number; readonly channel: 'rest' | 'web' | null }): Promise<void> {
  const args = [o.from, o.from + o.count - 1, o.baseDue, o.spreadDays] as const;
  const series = `FROM generate_series($1::int, $2::int) AS n`;
  await sql.query(`INSERT INTO "Borrower" (id, name, "updatedAt") SELECT md5('rb.' || n)::uuid, '借款人' || n, now() ${series}`, [args[0], args[1]]);
  await sql.query(
    `INSERT INTO "CreditLine" (id, "borrowerId", "productId", "limitFen", "availableFen", "ratePpm", "validFrom", "validUntil", "reviewAt", status, "updatedAt")
     SELECT md5('rl.' || n)::uuid, md5('rb.' || n)::uuid, 'changde-kuaidai-personal-demo', 10000000, 7000000, 64800, $3::date - 60, $3::date + 1000, $3::date + 300, 'active', now() ${series}`,
    [args[0], args[1], args[2]],
  );
  await sql.query(
    `INSERT INTO "Drawdown" (id, "creditLineId", "amountFen", "termMonths", method, "ratePpm", status, "idempotencyKey", "startDate", "disbursedAt", "updatedAt")
     SELECT md5('rd.' || n)::uuid, md5('rl.' || n)::uuid, 3000000, 3, 'equal_installment', 64800, 'active', 'seed-rd-' || n, $3::date + (n % $4::int) - 30, now(), now() ${series}`,
    [...args],
  );
  await sql.query(
    `INSERT INTO "Installment" (id, "drawdownId", period, "dueDate", "principalFen", "interestFen", status)
     SELECT md5('ri.' || n || '.' || p)::uuid, md5('rd.' || n)::uuid, p, ($3::date + (n % $4::int) + (p - 1) * 30), 997000 + p, 16200 - p * 5400, 'scheduled'
     ${series}, generate_series(1, 3) AS p`,
    [...args],
  );
  if (o.channel)
    await sql.query(
      `INSERT INTO "Conversation" (id, channel, "externalUserId", "borrowerId", "machineId", "machineVersion", "updatedAt")
       SELECT md5('rc.' || n)::uuid, '${o.channel}', 'reminder-user-' || n, md5('rb.' || n)::uuid, 'session', 1, now() ${series}`,
      [args[0], args[1]],
    );
}
