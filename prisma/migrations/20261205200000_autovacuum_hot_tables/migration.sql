-- Autovacuum thresholds for the tables every turn rewrites (issue 16; written by hand: storage
-- parameters are not in the Prisma schema). PostgreSQL's defaults wait for 20 % of a table to be dead
-- before vacuuming it: a million conversations would carry 200,000 dead snapshot copies first. These
-- vacuum at 2 % (and analyze at 5 %), the TOASTed snapshots included. The embedded database has no
-- autovacuum and ignores them; server/maintenance vacuums it. docs/operations.md lists what else to check.
ALTER TABLE "Conversation" SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.05, toast.autovacuum_vacuum_scale_factor = 0.02);
ALTER TABLE "Message" SET (autovacuum_vacuum_scale_factor = 0.05, autovacuum_analyze_scale_factor = 0.05);
ALTER TABLE "Job" SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);
ALTER TABLE "ConsoleConversation" SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.05);
ALTER TABLE "IdempotencyRecord" SET (autovacuum_vacuum_scale_factor = 0.05, autovacuum_analyze_scale_factor = 0.05);
