-- Several turns' commits in one statement (issue 14, cheaper turns; written by hand like
-- 20261205181500_turn_by_key).
--
-- On the embedded database every request and every transaction has a fixed cost on its one thread
-- (PGlite's query path, the protocol, the commit's WAL write): about 0.3 ms of a ~0.8 ms commit when
-- measured. Commits that arrive while one is under way are sent together (server/runtime/groupCommit.ts):
-- each element of `p` is one turn's argument to kuaidai_turn_commit, run in order in this statement's
-- transaction, and each turn's result (1 stored, 0 changed by another writer) comes back with its
-- position. A turn's writes stay all or nothing; an error in one fails the statement, and the server
-- then sends each turn again on its own.

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
