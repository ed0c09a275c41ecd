-- A turn's load and commit for several turns in one statement (issue 14, cheaper turns; written by
-- hand like 20261205181500_turn_by_key).
--
-- On the embedded database every request and every transaction has a fixed cost on its one thread
-- (PGlite's query path, the protocol, a commit's WAL write): about 0.3 ms of a ~0.8 ms commit when
-- measured. Loads and commits that arrive while one of their kind is under way are sent together
-- (server/runtime/statementGroup.ts). Each element of `p` is one turn's arguments; each turn's rows
-- come back with its position `n` (from 1). The turns run in order in the statement's one
-- transaction: a turn's writes stay all or nothing, and an error in one fails the statement, after
-- which the server sends each turn again on its own.

-- Elements: kuaidai_turn_commit's argument.
CREATE OR REPLACE FUNCTION kuaidai_turn_commit_many(p jsonb)
RETURNS TABLE (n integer, committed integer)
LANGUAGE plpgsql AS $$
DECLARE
  v_turn jsonb;
BEGIN
  FOR v_turn, n IN SELECT t.turn, t.n FROM jsonb_array_elements(p) WITH ORDINALITY AS t(turn, n) ORDER BY t.n LOOP
    committed := kuaidai_turn_commit(v_turn);
    RETURN NEXT;
  END LOOP;
END
$$;

-- Elements: kuaidai_turn_load's six arguments as a JSON array.
CREATE OR REPLACE FUNCTION kuaidai_turn_load_many(p jsonb)
RETURNS TABLE (n integer, "row" text, "id" text, "ref" text, "machineVersion" integer, "snapshot" text, "version" integer, "lastSeq" integer, "locale" text, "referral" text, "borrowerId" text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
  v_turn jsonb;
  v_n integer;
BEGIN
  FOR v_turn, v_n IN SELECT t.turn, t.n FROM jsonb_array_elements(p) WITH ORDINALITY AS t(turn, n) ORDER BY t.n LOOP
    RETURN QUERY SELECT v_n, l.* FROM kuaidai_turn_load(v_turn->>0, v_turn->>1, v_turn->>2, v_turn->>3, (v_turn->>4)::integer, v_turn->>5) AS l;
  END LOOP;
END
$$;
