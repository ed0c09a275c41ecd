import { describe, expect, it } from 'vitest';
import { ConversationStore, type MessageRow, type TurnWrite } from './conversationStore.js';
import type { Sql, SqlArg, SqlRow } from './sql.js';

/**
 * What the replies since the borrower's last message expect is kept with the snapshot this process
 * stored, so a turn need not ask the database (REPLIES_EXPECT_SQL) while the stored row is still the
 * one this process wrote. A fake Sql answers the turn's statements: the commit succeeds, the load
 * says the stored row has `version` and (as the load function does) leaves out a snapshot whose
 * version and seal this process named.
 */
const ID = '00000000-0000-4000-8000-0000000000c1';
const key = { channel: 'rest' as const, userId: 'u1', chatId: '' };

function fakeSql() {
  const db = { version: 0, seal: '' as string | null, asked: 0 };
  const sql: Sql = {
    async query(text: string, args: readonly SqlArg[] = []): Promise<SqlRow[]> {
      if (text.includes('kuaidai_turn_commit')) {
        const p = JSON.parse(args[0] as string) as { snapshot: unknown };
        db.version++;
        db.seal = typeof p.snapshot === 'string' ? p.snapshot.split('.', 4).join('.') : null;
        return [{ committed: 1 }];
      }
      if (text.includes('kuaidai_turn_load')) {
        const [, , , , knownVersion, knownSeal] = args;
        const same = knownVersion === db.version && db.seal !== null && knownSeal === db.seal;
        return [{ row: 'conversation', id: ID, ref: 'kuaidai.session', machineVersion: 1, snapshot: same ? null : JSON.stringify(db.seal === null ? { value: 'y' } : cipher.encrypt('{"value":"y"}')), version: db.version, lastSeq: 0, locale: 'zh', referral: null, borrowerId: null }];
      }
      throw new Error(`unexpected statement ${text.slice(0, 40)}`);
    },
    close: async () => {},
  };
  return { sql, db };
}

/** Seals as `v2.<kid>.<iv>.<tag>.<text>` (a new IV each time), opens anything it sealed. */
let iv = 0;
const cipher = {
  encrypt: (text: string) => `v2.k.${++iv}.t.${Buffer.from(text).toString('base64')}`,
  decrypt: (sealed: string) => Buffer.from(sealed.split('.')[4]!, 'base64').toString(),
};

const message = (direction: 'inbound' | 'outbound', author: string, expects?: string): MessageRow => ({
  id: `m${++iv}`,
  seq: iv,
  direction,
  channelMessageId: null,
  author,
  text: 'x',
  payload: expects ? { expects } : null,
  replyToId: null,
  deliveryStatus: direction === 'inbound' ? 'none' : 'delivered',
  deliveredAt: null,
  nextAttemptAt: null,
});

const turn = (expectedVersion: number | undefined, messages: MessageRow[]): TurnWrite => ({
  conversationId: ID,
  key,
  expectedVersion,
  machine: { id: 'kuaidai.session', version: 1, snapshot: '{"value":"x"}' },
  status: undefined,
  referral: undefined,
  lastSeq: 0,
  lastInboundAt: undefined,
  messages,
  jobs: [],
  cancelledJobKeys: [],
  now: new Date(),
});

describe('ConversationStore: what the last replies expect', () => {
  it('is known from the turns this process stored: a borrower message starts afresh, other turns add to it', async () => {
    const { sql } = fakeSql();
    const store = new ConversationStore(sql, cipher);
    await store.commit(turn(undefined, [message('inbound', 'borrower'), message('outbound', 'bot', 'otp')]));
    expect((await store.load(key, 'c1')).expects).toEqual(['otp']);
    // A reminder (no borrower message) with a plain reply: the question is still open.
    await store.commit(turn(1, [message('outbound', 'bot')]));
    expect((await store.load(key, 'c2')).expects).toEqual(['otp']);
    // A staff message is no answer of the borrower's either.
    await store.commit(turn(2, [message('inbound', 'staff:s1'), message('outbound', 'bot', 'amount')]));
    expect((await store.load(key, 'c3')).expects).toEqual(['otp', 'amount']);
    // The borrower answered, and the reply asks nothing.
    await store.commit(turn(3, [message('inbound', 'borrower'), message('outbound', 'bot')]));
    expect((await store.load(key, 'c4')).expects).toEqual([]);
  });

  it('is unknown once another writer moved the row, and after a turn that began from an unknown', async () => {
    const { sql, db } = fakeSql();
    const store = new ConversationStore(sql, cipher);
    await store.commit(turn(undefined, [message('inbound', 'borrower'), message('outbound', 'bot', 'otp')]));
    // Another process (or a campaign message) wrote the row: its version moved, its seal is not ours.
    db.version++;
    db.seal = 'v2.k.other.t';
    expect((await store.load(key, 'c1')).expects).toBeUndefined();
    // A turn with no borrower message cannot tell what is still open from what it did not see.
    await store.commit(turn(db.version, [message('outbound', 'bot')]));
    expect((await store.load(key, 'c2')).expects).toBeUndefined();
    // A borrower message makes it known again.
    await store.commit(turn(db.version, [message('inbound', 'borrower'), message('outbound', 'bot', 'otp')]));
    expect((await store.load(key, 'c3')).expects).toEqual(['otp']);
  });

  it('is unknown without sealing (nothing is kept) and for a conversation this process never stored', async () => {
    const { sql } = fakeSql();
    const plain = new ConversationStore(sql);
    await plain.commit(turn(undefined, [message('inbound', 'borrower'), message('outbound', 'bot', 'otp')]));
    expect((await plain.load(key, 'c1')).expects).toBeUndefined();
    expect((await new ConversationStore(sql, cipher).load(key, 'c2')).expects).toBeUndefined();
  });
});
