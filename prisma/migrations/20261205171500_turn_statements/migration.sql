-- A turn in fewer statements (issue 14, cheaper turns); written by hand like 20261122174829_runtime.
--
-- kuaidai_turn_commit also writes the staff console's row of the conversation when the turn carries
-- `console` ({"step": …}): what server/console/conversationProjection.ts did in a statement of its own
-- after every turn. Same rules: a failed turn (no step) keeps the step, an older version never
-- replaces a newer one.

CREATE OR REPLACE FUNCTION kuaidai_turn_commit(p jsonb)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  v_id uuid := (p->>'id')::uuid;
  v_now timestamptz := (p->>'now')::timestamptz;
  v_channel "Channel" := (p->>'channel')::"Channel";
  v_handoff "HandoffStatus" := (p->>'handoff')::"HandoffStatus";
  v_snapshot jsonb := NULLIF(p->'snapshot', 'null'::jsonb);
  v_count integer;
  v_version integer;
BEGIN
  IF p->>'expectedVersion' IS NULL THEN
    INSERT INTO "Conversation" (id, channel, "externalUserId", "externalChatId", "machineId", "machineVersion", snapshot, "handoffStatus", "borrowerId",
      version, "lastSeq", "lastInboundAt", locale, referral, "createdAt", "updatedAt")
    VALUES (v_id, v_channel, p->>'userId', p->>'chatId', p->>'machineId', (p->>'machineVersion')::integer, v_snapshot, COALESCE(v_handoff, 'bot'),
      (p->>'borrowerId')::uuid, 1, (p->>'lastSeq')::integer, (p->>'lastInboundAt')::timestamptz, COALESCE(p->>'locale', 'zh'), p->>'referral', v_now, v_now)
    ON CONFLICT (channel, "externalUserId", "externalChatId") DO NOTHING;
  ELSE
    UPDATE "Conversation" SET
      "machineId" = COALESCE(p->>'machineId', "machineId"),
      "machineVersion" = COALESCE((p->>'machineVersion')::integer, "machineVersion"),
      snapshot = CASE WHEN p->>'machineId' IS NULL THEN snapshot ELSE v_snapshot END,
      "handoffStatus" = COALESCE(v_handoff, "handoffStatus"),
      "borrowerId" = COALESCE((p->>'borrowerId')::uuid, "borrowerId"),
      version = version + 1,
      "lastSeq" = (p->>'lastSeq')::integer,
      "lastInboundAt" = COALESCE((p->>'lastInboundAt')::timestamptz, "lastInboundAt"),
      locale = COALESCE(p->>'locale', locale),
      referral = COALESCE(referral, p->>'referral'),
      "updatedAt" = CASE WHEN "updatedAt" < v_now - interval '1 minute' OR "handoffStatus" IS DISTINCT FROM COALESCE(v_handoff, "handoffStatus")
        THEN v_now ELSE "updatedAt" END
    WHERE id = v_id AND version = (p->>'expectedVersion')::integer;
  END IF;
  GET DIAGNOSTICS v_count = ROW_COUNT;
  IF v_count = 0 THEN
    RETURN 0;
  END IF;

  INSERT INTO "Message" (id, "conversationId", seq, direction, channel, "channelMessageId", author, text, payload, "replyToId",
    "deliveryStatus", "deliveredAt", "nextAttemptAt", "createdAt")
  SELECT m.id, v_id, m.seq, m.direction, v_channel, m.cmid, m.author, m.text, m.payload, m.reply_to, m.status, m.delivered_at, m.next_attempt_at, v_now
  FROM jsonb_to_recordset(p->'messages') AS m(id uuid, seq integer, direction "MessageDirection", cmid text, author text, text text, payload jsonb,
    reply_to uuid, status "DeliveryStatus", delivered_at timestamptz, next_attempt_at timestamptz);

  IF jsonb_array_length(p->'jobs') > 0 THEN
    INSERT INTO "Job" (id, kind, key, "dueAt", payload, status, attempts, "createdAt")
    SELECT gen_random_uuid(), j.kind, j.key, j.due_at, j.payload, 'pending', 0, v_now
    FROM jsonb_to_recordset(p->'jobs') AS j(kind text, key text, due_at timestamptz, payload jsonb)
    ON CONFLICT (key) DO UPDATE SET kind = EXCLUDED.kind, "dueAt" = EXCLUDED."dueAt", payload = EXCLUDED.payload, status = 'pending', attempts = 0,
      "lockedBy" = NULL, "lockedUntil" = NULL, "lastError" = NULL, "doneAt" = NULL;
  END IF;

  IF jsonb_array_length(p->'cancelledJobKeys') > 0 THEN
    UPDATE "Job" SET status = 'cancelled', "lockedBy" = NULL, "lockedUntil" = NULL
    WHERE key IN (SELECT jsonb_array_elements_text(p->'cancelledJobKeys')) AND status IN ('pending', 'running');
  END IF;

  -- The staff console's row (step, since when a person is waited for), in the turn's own statement.
  IF p ? 'console' THEN
    v_version := COALESCE((p->>'expectedVersion')::integer, 0) + 1;
    INSERT INTO "ConsoleConversation" ("conversationId", step, "handoffRequestedAt", "lastMessageAt", version)
    VALUES (v_id, COALESCE(p->'console'->>'step', 'menu'), CASE WHEN p->>'handoff' = 'requested' THEN v_now END, v_now, v_version)
    ON CONFLICT ("conversationId") DO UPDATE SET
      step = COALESCE(p->'console'->>'step', "ConsoleConversation".step),
      "handoffRequestedAt" = CASE
        WHEN p->>'handoff' IS NULL THEN "ConsoleConversation"."handoffRequestedAt"
        WHEN p->>'handoff' = 'requested' THEN COALESCE("ConsoleConversation"."handoffRequestedAt", v_now)
        ELSE NULL END,
      "lastMessageAt" = v_now,
      version = v_version
    WHERE "ConsoleConversation".version < v_version;
  END IF;
  RETURN 1;
END
$$;

-- kuaidai_turn_load with what the caller knows of the snapshot it stored last (kept from the turn it
-- served): the version and the head of the sealed value (format, key id, random IV and tag: unique to
-- that encryption). When the stored row still has both, the snapshot is not sent (NULL) and the caller
-- skips reading and decrypting it; any other write (a turn in another process, a snapshot replaced by
-- hand) changes one of them. Otherwise as the four-argument function, but a snapshot that is NULL comes
-- back as the text 'null', so that NULL means only "the one you hold".
CREATE OR REPLACE FUNCTION kuaidai_turn_load(p_channel text, p_user text, p_chat text, p_message_id text, p_known_version integer, p_known_seal text)
RETURNS TABLE ("row" text, "id" text, "ref" text, "machineVersion" integer, "snapshot" text, "version" integer, "lastSeq" integer, "locale" text, "referral" text, "borrowerId" text)
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
  RETURN QUERY
    SELECT 'conversation'::text, c.id::text, c."machineId", c."machineVersion", CASE WHEN c.version = p_known_version AND jsonb_typeof(c.snapshot) = 'string' AND left(c.snapshot #>> '{}', length(p_known_seal)) = p_known_seal
      THEN NULL ELSE COALESCE(c.snapshot::text, 'null') END,
      c.version, c."lastSeq", c.locale, c.referral, c."borrowerId"::text
    FROM "Conversation" c
    WHERE c.channel = p_channel::"Channel" AND c."externalUserId" = p_user AND c."externalChatId" = p_chat;
  IF p_message_id IS NOT NULL THEN
    RETURN QUERY
      SELECT 'duplicate'::text, d.id::text, d."conversationId"::text, NULL::integer, NULL::text, NULL::integer, NULL::integer, NULL::text, NULL::text, NULL::text
      FROM "Message" d
      WHERE d.channel = p_channel::"Channel" AND d."channelMessageId" = p_message_id;
  END IF;
END
$$;
