// The floor of a durable chat turn: `npm run bench:journeys -- --floor [--db pglite|postgres]`.
// Not Kuaidai: a minimal server that answers the journey driver's POST /api/v1/chat with the least
// any server keeping Kuaidai's turn guarantees must do, so the benchmark can tell what this machine
// allows at all (HTTP, JSON, the database's round trips and commits) from what our own turn adds.
//
// A turn here: read the conversation's state by its key (one prepared SELECT), open its sealed
// snapshot (AES-256-GCM), step it, seal it again, and in one statement insert the inbound message
// (deduplicated by its channel message id), update the state (version-checked) and insert the reply.
// No XState machine, no effects, no staff console, no jobs: the reply is the text the driver expects
// at that step. On PostgreSQL (DATABASE_URL) through a pg pool, with KUAIDAI_WORKERS=N forking N
// processes sharing the port (node:cluster) as the server does; else embedded PGlite in
// KUAIDAI_DATA_DIR on a thread of its own, through the server's own PgliteThread.
import cluster from 'node:cluster';
import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import pg from 'pg';
import { PgliteThread } from '../server/db/pgliteThread.js';
import { STEPS } from './journeyDriver.js';

const url = process.env.DATABASE_URL?.startsWith('postgres') ? process.env.DATABASE_URL : undefined;
const dataDir = process.env.KUAIDAI_DATA_DIR;
if (!url && !dataDir) {
  console.error('bench/floorServer.ts needs DATABASE_URL (PostgreSQL) or KUAIDAI_DATA_DIR (PGlite)');
  process.exit(2);
}
const workers = url ? Math.max(1, Number(process.env.KUAIDAI_WORKERS) || 1) : 1;
const port = Number(process.env.PORT ?? 0);

// A snapshot of the size of a Kuaidai conversation's mid-journey (its sealed JSON is ~3 KB).
const PADDING = 'x'.repeat(2_800);
const KEY = Buffer.alloc(32, 7);

const seal = (value: object): string => {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', KEY, iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
};
const open = (sealed: string): { step: number } => {
  const raw = Buffer.from(sealed, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', KEY, raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  return JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')) as { step: number };
};

const SCHEMA = `
CREATE TABLE IF NOT EXISTS floor_conversation (id uuid PRIMARY KEY, user_id text NOT NULL UNIQUE, version integer NOT NULL, snapshot text NOT NULL, updated_at timestamptz NOT NULL);
CREATE TABLE IF NOT EXISTS floor_message (id uuid PRIMARY KEY, conversation_id uuid NOT NULL REFERENCES floor_conversation(id), direction text NOT NULL,
  channel_message_id text, reply_to uuid, text text NOT NULL, created_at timestamptz NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS floor_message_inbound ON floor_message (conversation_id, channel_message_id);
CREATE INDEX IF NOT EXISTS floor_message_reply_to ON floor_message (reply_to);`;

const LOAD = { name: 'floor_load', text: 'SELECT id, version, snapshot FROM floor_conversation WHERE user_id = $1' };
const CREATE = { name: 'floor_create', text: 'INSERT INTO floor_conversation (id, user_id, version, snapshot, updated_at) VALUES ($1, $2, 0, $3, now()) ON CONFLICT (user_id) DO NOTHING' };
// One statement: the inbound message (a redelivery inserts nothing and so changes nothing), the state
// if its version is the one read, and the reply.
const COMMIT = {
  name: 'floor_commit',
  text: `WITH inbound AS (
    INSERT INTO floor_message (id, conversation_id, direction, channel_message_id, text, created_at) VALUES ($1, $2, 'in', $3, $4, now())
    ON CONFLICT (conversation_id, channel_message_id) DO NOTHING RETURNING id, conversation_id),
  state AS (
    UPDATE floor_conversation SET version = version + 1, snapshot = $5, updated_at = now()
    WHERE id = (SELECT conversation_id FROM inbound) AND version = $6 RETURNING id)
  INSERT INTO floor_message (id, conversation_id, direction, reply_to, text, created_at) SELECT $7, state.id, 'out', inbound.id, $8, now() FROM state, inbound`,
};
// A redelivered message is answered with the reply it had.
const REPLIED = {
  name: 'floor_replied',
  text: `SELECT o.text FROM floor_message i JOIN floor_message o ON o.reply_to = i.id WHERE i.conversation_id = $1 AND i.channel_message_id = $2`,
};

interface Statement {
  /** Prepared under this name (pg); the embedded engine prepares what it is sent repeatedly itself. */
  readonly name?: string;
  readonly text: string;
}
interface Db {
  run<T>(statement: Statement, values: unknown[]): Promise<{ rows: T[]; rowCount: number }>;
  close(): Promise<void>;
}

async function openDb(): Promise<Db> {
  if (url) {
    const pool = new pg.Pool({ connectionString: url, max: 10 });
    return {
      run: async <T>(s: Statement, values: unknown[]) => {
        const r = await pool.query({ ...s, values });
        return { rows: r.rows as T[], rowCount: r.rowCount ?? 0 };
      },
      close: () => pool.end(),
    };
  }
  const thread = await PgliteThread.open(path.join(dataDir!, 'pglite'));
  return {
    run: async <T>(s: Statement, values: unknown[]) => {
      const r = await thread.query<T>(s.text, values);
      return { rows: r.rows, rowCount: r.affectedRows ?? 0 };
    },
    close: () => thread.close(),
  };
}

async function serve(db: Db): Promise<void> {
  const turn = async (userId: string, messageId: string, text: string): Promise<string> => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const row = (await db.run<{ id: string; version: number; snapshot: string }>(LOAD, [userId])).rows[0];
      if (!row) {
        await db.run(CREATE, [randomUUID(), userId, seal({ step: 0, padding: PADDING })]);
        continue;
      }
      const state = open(row.snapshot);
      const reply = STEPS[state.step % STEPS.length]!.expect;
      const next = seal({ step: state.step + 1, padding: PADDING, last: text });
      const r = await db.run(COMMIT, [randomUUID(), row.id, messageId, text, next, row.version, randomUUID(), reply]);
      if (r.rowCount === 1) return reply;
      const before = (await db.run<{ text: string }>(REPLIED, [row.id, messageId])).rows[0];
      if (before) return before.text;
      // else a concurrent turn changed the state first: read it again
    }
    throw new Error('the conversation kept changing under this turn');
  };
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/readyz') return void res.end('ok');
    if (req.method !== 'POST' || req.url !== '/api/v1/chat') return void res.writeHead(404).end();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: { userId?: unknown; messageId?: unknown; text?: unknown };
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
      } catch {
        return void res.writeHead(400).end('{"error":"not JSON"}');
      }
      if (typeof body.userId !== 'string' || typeof body.messageId !== 'string' || typeof body.text !== 'string') return void res.writeHead(400).end('{"error":"userId, messageId and text"}');
      turn(body.userId, body.messageId, body.text).then(
        (text) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ replies: [{ text }] })),
        (err: unknown) => res.writeHead(500).end(JSON.stringify({ error: String(err) })),
      );
    });
  });
  server.keepAliveTimeout = 65_000;
  server.listen(port, '127.0.0.1');
  process.once('SIGTERM', () => server.close(() => void db.close().then(() => process.exit(0))));
}

if (cluster.isPrimary) {
  const db = await openDb();
  for (const text of SCHEMA.split(';').filter((t) => t.trim())) await db.run({ text }, []);
  if (workers === 1) await serve(db);
  else {
    await db.close();
    for (let i = 0; i < workers; i++) cluster.fork();
    process.once('SIGTERM', () => {
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
      setTimeout(() => process.exit(0), 2_000).unref();
    });
  }
} else await serve(await openDb());
