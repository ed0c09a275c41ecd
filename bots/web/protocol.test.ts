import { describe, expect, it } from 'vitest';
import { CLOSE, closeReason } from './frames.js';
import { parseClientFrame } from './protocol.js';
import { clientMessageIdOf, isShownToBorrower, toWebMessage, webMessageId } from './webMessage.js';

describe('parseClientFrame', () => {
  it('accepts hello, message and ack', () => {
    expect(parseClientFrame('{"type":"hello","v":1,"lastSeq":0,"locale":"en","referral":"mgr-42"}')).toEqual({ ok: true, frame: { type: 'hello', v: 1, lastSeq: 0, locale: 'en', referral: 'mgr-42' } });
    expect(parseClientFrame('{"type":"message","id":"a1","text":"你好"}')).toEqual({ ok: true, frame: { type: 'message', id: 'a1', text: '你好' } });
    expect(parseClientFrame('{"type":"ack","seq":12}')).toEqual({ ok: true, frame: { type: 'ack', seq: 12 } });
  });

  it.each([
    ['', 'invalid frame: not JSON'],
    ['[1,2', 'invalid frame: not JSON'],
    ['42', /^invalid frame: /],
    ['{"type":"message","id":"a","text":"   "}', 'invalid frame: text: must not be blank'],
    [JSON.stringify({ type: 'message', id: 'a', text: 'x'.repeat(2_001) }), 'invalid frame: text: must be at most 2000 characters'],
    ['{"type":"message","id":"a b","text":"x"}', /^invalid frame: id: /],
    ['{"type":"ack","seq":-1}', /^invalid frame: seq: /],
    ['{"type":"ack","seq":1.5}', /^invalid frame: seq: /],
    ['{"type":"hello","v":1,"lastSeq":0,"referral":"<script>"}', /^invalid frame: referral: /],
    ['{"type":"hello","v":1,"lastSeq":0,"locale":"fr"}', /^invalid frame: locale: /],
  ])('refuses %j with 1007 and a reason', (data, reason) => {
    const parsed = parseClientFrame(data);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.code).toBe(CLOSE.INVALID_FRAME);
    expect(parsed.reason).toMatch(reason);
    expect(new TextEncoder().encode(parsed.reason).length).toBeLessThanOrEqual(123);
  });

  it('cuts close reasons to the 123 bytes a close frame holds', () => {
    expect(new TextEncoder().encode(closeReason('很长的原因'.repeat(20))).length).toBeLessThanOrEqual(123);
  });
});

describe('toWebMessage', () => {
  const base = { id: 'id-1', seq: 3, text: '你好', createdAt: Date.UTC(2026, 0, 1), channelMessageId: null };

  it("scopes client message ids by user and gives the borrower's own id back", () => {
    expect(webMessageId('w_a', 'm1')).toBe('3:w_a:m1');
    expect(webMessageId('a:b', 'c')).not.toBe(webMessageId('a', 'b:c'));
    expect(clientMessageIdOf('w_a', '3:w_a:m1')).toBe('m1');
    expect(clientMessageIdOf('w_b', '3:w_a:m1')).toBeUndefined();
    expect(clientMessageIdOf('w_a', null)).toBeUndefined();
  });

  it('shows bot replies with options, card and expects, and the borrower their own messages', () => {
    const reply = toWebMessage('w_a', { ...base, direction: 'outbound', author: 'bot', options: [{ label: '是', value: 'yes' }], expects: 'id_number', sensitive: true });
    expect(reply).toEqual({ type: 'message', seq: 3, id: 'id-1', author: 'bot', text: '你好', at: '2026-01-01T00:00:00.000Z', options: [{ label: '是', value: 'yes' }], expects: 'id_number' });
    const mine = toWebMessage('w_a', { ...base, direction: 'inbound', author: 'borrower', channelMessageId: '3:w_a:m1' });
    expect(mine).toMatchObject({ author: 'borrower', clientMessageId: 'm1' });
    expect(isShownToBorrower({ direction: 'inbound', author: 'staff:s1' })).toBe(false);
    expect(isShownToBorrower({ direction: 'inbound', author: 'borrower' })).toBe(true);
    expect(isShownToBorrower({ direction: 'outbound', author: 'bot' })).toBe(true);
  });
});
