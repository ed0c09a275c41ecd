import { protocol, types } from '@electric-sql/pglite';
import { describe, expect, it } from 'vitest';
import { bindExecuteSync, type BindValue } from './bindExecuteSync.js';

/** What PgliteStatements sent before: PGlite's own three messages, joined. */
function pglites(statement: string, values: readonly BindValue[]): Buffer {
  return Buffer.concat([protocol.serialize.bind({ statement, values: [...values] as never[] }), protocol.serialize.execute({}), protocol.serialize.sync()]);
}

describe('bindExecuteSync', () => {
  it.each<[string, string, BindValue[]]>([
    ['no parameters', 'kd_1', []],
    ['text, NULL and the empty string', 'kd_12', ['abc', null, '', '42']],
    ['Chinese, an emoji and a lone surrogate', 'kd_305', ['申请额度 ¥5,000', '👍🏻 好的', 'a\ud800b', '\udc00']],
    ['a turn-sized JSON argument', 'kd_7', [JSON.stringify({ snapshot: 'v2.'.padEnd(3000, 'x'), messages: Array.from({ length: 4 }, (_, i) => ({ seq: i, text: `您好，第${i}条消息`.repeat(40) })) })]],
    ['bytea as PGlite serializes it', 'kd_9', ['x', types.serializers[types.BYTEA]!(new Uint8Array([0, 1, 2, 255])), null]],
  ])('writes the bytes PGlite writes: %s', (_, statement, values) => {
    expect(bindExecuteSync(statement, values).equals(pglites(statement, values))).toBe(true);
  });

  it('is one Bind, one Execute and one Sync, each of the length it declares', () => {
    const out = bindExecuteSync('kd_3', ['贷款', null]);
    const kinds: string[] = [];
    for (let at = 0; at < out.length; at += 1 + out.readInt32BE(at + 1)) kinds.push(String.fromCharCode(out[at]!));
    expect(kinds).toEqual(['B', 'E', 'S']);
  });
});
