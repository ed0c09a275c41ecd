-- The conversation lock taken by the turn's first statement (issue 14, cheaper turns; written by hand
-- like 20261205171500_turn_statements). On PostgreSQL a turn took its session-level advisory lock in
-- one round trip and loaded the conversation in the next; each round trip is a socket write on both
-- sides. kuaidai_turn_locked_load takes the lock, then loads, on the lock's own connection.
--
-- VOLATILE, unlike kuaidai_turn_load: each query in a volatile function takes a new snapshot (READ
-- COMMITTED), so the load sees whatever the previous holder committed before it unlocked, however long
-- the wait for the lock was. The caller destroys the connection if this statement fails other than
-- by lock_timeout (55P03), so a lock it may have taken never outlives the turn.
CREATE OR REPLACE FUNCTION kuaidai_turn_locked_load(p_channel text, p_user text, p_chat text, p_message_id text, p_known_version integer, p_known_seal text,
  p_lock_1 integer, p_lock_2 integer)
RETURNS TABLE ("row" text, "id" text, "ref" text, "machineVersion" integer, "snapshot" text, "version" integer, "lastSeq" integer, "locale" text, "referral" text, "borrowerId" text)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  PERFORM pg_advisory_lock(p_lock_1, p_lock_2);
  RETURN QUERY SELECT * FROM kuaidai_turn_load(p_channel, p_user, p_chat, p_message_id, p_known_version, p_known_seal);
END
$$;
