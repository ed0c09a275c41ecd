-- A turn's deadline jobs carry their row id from the server (issue 14, cheaper turns; written by hand
-- like 20261205181500_turn_by_key).
--
-- The commit gave each job row it upserted a gen_random_uuid(), evaluated for every row even when
-- the key already existed. In the embedded database that is PostgreSQL's pg_strong_random: it opens,
-- reads and closes /dev/urandom through PGlite's emulated file system each time, about 0.7 times a
-- turn. The server now sends an id with each job (node:crypto's randomUUID); a caller that sends none
-- (an older process during a rolling upgrade) still gets one from the database.

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
  v_key text;
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
    SELECT COALESCE(j.id, gen_random_uuid()), j.kind, j.key, j.due_at, j.payload, 'pending', 0, v_now
    FROM jsonb_to_recordset(p->'jobs') AS j(id uuid, kind text, key text, due_at timestamptz, payload jsonb)
    ON CONFLICT (key) DO UPDATE SET kind = EXCLUDED.kind, "dueAt" = EXCLUDED."dueAt", payload = EXCLUDED.payload, status = 'pending', attempts = 0,
      "lockedBy" = NULL, "lockedUntil" = NULL, "lastError" = NULL, "doneAt" = NULL;
  END IF;

  -- One key at a time: an equality on the unique key is planned on its index whatever the statistics
  -- say. `key IN (SELECT …) AND status IN (…)` could be planned on the status index and scan every
  -- pending job (the embedded database is never analyzed by itself).
  FOR v_key IN SELECT jsonb_array_elements_text(p->'cancelledJobKeys') LOOP
    UPDATE "Job" SET status = 'cancelled', "lockedBy" = NULL, "lockedUntil" = NULL
    WHERE key = v_key AND status IN ('pending', 'running');
  END LOOP;

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
