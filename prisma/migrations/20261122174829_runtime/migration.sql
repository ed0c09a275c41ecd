-- AlterTable
ALTER TABLE "Conversation" ADD COLUMN     "locale" TEXT NOT NULL DEFAULT 'zh',
ADD COLUMN     "referral" TEXT;

-- AlterTable
ALTER TABLE "Message" ADD COLUMN     "deliveryError" TEXT,
ADD COLUMN     "nextAttemptAt" TIMESTAMPTZ(3);

-- Conversation runtime: the two statements of a turn as PL/pgSQL functions, so that PostgreSQL (and
-- embedded PGlite) plan them once per connection instead of on every turn: planning was half of a
-- turn's database time. Written by hand (Prisma does not manage functions). Change them only in a new
-- migration (CREATE OR REPLACE FUNCTION) together with server/runtime/conversationStore.ts.
-- The bodies are E'' strings with every semicolon written as \073 and quotes doubled: they were
-- written when the in-process migrator split scripts at each semicolon on PostgreSQL. It now runs
-- scripts whole (server/db/wholeScripts.ts), so later migrations can use ordinary $$ bodies.

-- kuaidai_turn_load: the conversation of (channel, user, chat) and, if p_message_id was stored before,
-- that message: rows "conversation" and "duplicate" (ref = machineId, or the duplicate's conversation id).
CREATE FUNCTION kuaidai_turn_load(p_channel text, p_user text, p_chat text, p_message_id text)
RETURNS TABLE ("row" text, "id" text, "ref" text, "machineVersion" integer, "snapshot" text, "version" integer, "lastSeq" integer, "locale" text, "referral" text, "borrowerId" text)
LANGUAGE plpgsql STABLE AS E'
#variable_conflict use_column
BEGIN
  RETURN QUERY
    SELECT ''conversation''::text, c.id::text, c."machineId", c."machineVersion", c.snapshot::text, c.version, c."lastSeq", c.locale, c.referral, c."borrowerId"::text
    FROM "Conversation" c
    WHERE c.channel = p_channel::"Channel" AND c."externalUserId" = p_user AND c."externalChatId" = p_chat\073
  IF p_message_id IS NOT NULL THEN
    RETURN QUERY
      SELECT ''duplicate''::text, d.id::text, d."conversationId"::text, NULL::integer, NULL::text, NULL::integer, NULL::integer, NULL::text, NULL::text, NULL::text
      FROM "Message" d
      WHERE d.channel = p_channel::"Channel" AND d."channelMessageId" = p_message_id\073
  END IF\073
END
';

-- kuaidai_turn_commit: writes one turn atomically. Creates the conversation (expectedVersion null) or
-- updates it if its version is still expectedVersion (optimistic check), then inserts the messages,
-- upserts the deadline jobs and cancels the cancelled ones. Returns 1, or 0 when the check failed and
-- nothing was written. updatedAt moves at most once a minute unless the handoff changes: leaving every
-- indexed column as it was lets PostgreSQL update the row in place (HOT) instead of every index.
CREATE FUNCTION kuaidai_turn_commit(p jsonb)
RETURNS integer
LANGUAGE plpgsql AS E'
DECLARE
  v_id uuid := (p->>''id'')::uuid\073
  v_now timestamptz := (p->>''now'')::timestamptz\073
  v_channel "Channel" := (p->>''channel'')::"Channel"\073
  v_handoff "HandoffStatus" := (p->>''handoff'')::"HandoffStatus"\073
  v_snapshot jsonb := NULLIF(p->''snapshot'', ''null''::jsonb)\073
  v_count integer\073
BEGIN
  IF p->>''expectedVersion'' IS NULL THEN
    INSERT INTO "Conversation" (id, channel, "externalUserId", "externalChatId", "machineId", "machineVersion", snapshot, "handoffStatus", "borrowerId",
      version, "lastSeq", "lastInboundAt", locale, referral, "createdAt", "updatedAt")
    VALUES (v_id, v_channel, p->>''userId'', p->>''chatId'', p->>''machineId'', (p->>''machineVersion'')::integer, v_snapshot, COALESCE(v_handoff, ''bot''),
      (p->>''borrowerId'')::uuid, 1, (p->>''lastSeq'')::integer, (p->>''lastInboundAt'')::timestamptz, COALESCE(p->>''locale'', ''zh''), p->>''referral'', v_now, v_now)
    ON CONFLICT (channel, "externalUserId", "externalChatId") DO NOTHING\073
  ELSE
    UPDATE "Conversation" SET
      "machineId" = COALESCE(p->>''machineId'', "machineId"),
      "machineVersion" = COALESCE((p->>''machineVersion'')::integer, "machineVersion"),
      snapshot = CASE WHEN p->>''machineId'' IS NULL THEN snapshot ELSE v_snapshot END,
      "handoffStatus" = COALESCE(v_handoff, "handoffStatus"),
      "borrowerId" = COALESCE((p->>''borrowerId'')::uuid, "borrowerId"),
      version = version + 1,
      "lastSeq" = (p->>''lastSeq'')::integer,
      "lastInboundAt" = COALESCE((p->>''lastInboundAt'')::timestamptz, "lastInboundAt"),
      locale = COALESCE(p->>''locale'', locale),
      referral = COALESCE(referral, p->>''referral''),
      "updatedAt" = CASE WHEN "updatedAt" < v_now - interval ''1 minute'' OR "handoffStatus" IS DISTINCT FROM COALESCE(v_handoff, "handoffStatus")
        THEN v_now ELSE "updatedAt" END
    WHERE id = v_id AND version = (p->>''expectedVersion'')::integer\073
  END IF\073
  GET DIAGNOSTICS v_count = ROW_COUNT\073
  IF v_count = 0 THEN
    RETURN 0\073
  END IF\073

  INSERT INTO "Message" (id, "conversationId", seq, direction, channel, "channelMessageId", author, text, payload, "replyToId",
    "deliveryStatus", "deliveredAt", "nextAttemptAt", "createdAt")
  SELECT m.id, v_id, m.seq, m.direction, v_channel, m.cmid, m.author, m.text, m.payload, m.reply_to, m.status, m.delivered_at, m.next_attempt_at, v_now
  FROM jsonb_to_recordset(p->''messages'') AS m(id uuid, seq integer, direction "MessageDirection", cmid text, author text, text text, payload jsonb,
    reply_to uuid, status "DeliveryStatus", delivered_at timestamptz, next_attempt_at timestamptz)\073

  IF jsonb_array_length(p->''jobs'') > 0 THEN
    INSERT INTO "Job" (id, kind, key, "dueAt", payload, status, attempts, "createdAt")
    SELECT gen_random_uuid(), j.kind, j.key, j.due_at, j.payload, ''pending'', 0, v_now
    FROM jsonb_to_recordset(p->''jobs'') AS j(kind text, key text, due_at timestamptz, payload jsonb)
    ON CONFLICT (key) DO UPDATE SET kind = EXCLUDED.kind, "dueAt" = EXCLUDED."dueAt", payload = EXCLUDED.payload, status = ''pending'', attempts = 0,
      "lockedBy" = NULL, "lockedUntil" = NULL, "lastError" = NULL, "doneAt" = NULL\073
  END IF\073

  IF jsonb_array_length(p->''cancelledJobKeys'') > 0 THEN
    UPDATE "Job" SET status = ''cancelled'', "lockedBy" = NULL, "lockedUntil" = NULL
    WHERE key IN (SELECT jsonb_array_elements_text(p->''cancelledJobKeys'')) AND status IN (''pending'', ''running'')\073
  END IF\073
  RETURN 1\073
END
';
