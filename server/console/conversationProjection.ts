import type { CommittedTurn, Sql } from '../runtime/index.js';
import type { ConsoleFeed } from './consoleFeed.js';

// A newer turn's row is never replaced by an older one's (the version guard); a failed turn (no status) keeps the step.
const RECORD_SQL = `
INSERT INTO "ConsoleConversation" ("conversationId", step, "handoffRequestedAt", "lastMessageAt", version)
VALUES ($1::uuid, COALESCE($2, 'menu'), CASE WHEN $3 = 'requested' THEN $4::timestamptz END, $4::timestamptz, $5::int)
ON CONFLICT ("conversationId") DO UPDATE SET
  step = COALESCE($2, "ConsoleConversation".step),
  "handoffRequestedAt" = CASE
    WHEN $3 IS NULL THEN "ConsoleConversation"."handoffRequestedAt"
    WHEN $3 = 'requested' THEN COALESCE("ConsoleConversation"."handoffRequestedAt", $4::timestamptz)
    ELSE NULL END,
  "lastMessageAt" = $4::timestamptz,
  version = $5::int
WHERE "ConsoleConversation".version < $5::int`;

/**
 * The runtime's `onCommitted` for the console: records where the conversation stands (step, since
 * when a person is waited for) for the queue, then tells the consoles it changed.
 */
export function consoleTurnRecorder(sql: Sql, feed: ConsoleFeed): (turn: CommittedTurn) => Promise<void> {
  return async (turn) => {
    await sql.query(RECORD_SQL, [turn.conversationId, turn.status?.step ?? null, turn.status?.handoff ?? null, turn.at.toISOString(), turn.version]);
    feed.publish({ kind: 'conversation', id: turn.conversationId });
  };
}
