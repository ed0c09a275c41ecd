import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aesKeyOf, decryptMessage, encryptMessage, signatureMatches, wechatSignature } from './messageCrypto.js';

// The known-answer sample published with WeChat's message-encryption SDK (token spamtest, AppID wx2c2769f8efd9abc2).
const SAMPLE = {
  token: 'spamtest',
  encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
  appId: 'wx2c2769f8efd9abc2',
  timestamp: '1409735669',
  nonce: '1320562132',
  msgSignature: '5d197aaffba7e9b25a30732f161a50dee96bd5fa',
  encrypt:
    'hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=',
};

describe('WeChat message crypto', () => {
  const key = aesKeyOf(SAMPLE.encodingAesKey);

  it("matches WeChat's published sample: msg_signature and decryption", () => {
    expect(wechatSignature(SAMPLE.token, SAMPLE.timestamp, SAMPLE.nonce, SAMPLE.encrypt)).toBe(SAMPLE.msgSignature);
    const r = decryptMessage(SAMPLE.encrypt, key, SAMPLE.appId);
    expect(r.ok).toBe(true);
    expect(r.ok && r.message).toContain('<Content><![CDATA[abcdteT]]></Content>');
    expect(r.ok && r.message).toContain('<MsgId>6054768590064713728</MsgId>');
  });

  it('encrypts byte for byte like the SDK: random(16) + length + message + AppID, PKCS#7 to 32-byte blocks', () => {
    const random = Buffer.from('aaaabbbbccccdddd');
    const encrypted = encryptMessage('<xml>你好</xml>', key, SAMPLE.appId, random);
    const raw = Buffer.from(encrypted, 'base64');
    expect(raw.length % 32).toBe(0);
    expect(decryptMessage(encrypted, key, SAMPLE.appId)).toEqual({ ok: true, message: '<xml>你好</xml>' });
    // 16 + 4 + 17 bytes of message + 18 of AppID = 55 → padded with 9 bytes of 0x09 to 64.
    expect(raw.length).toBe(64);
  });

  it('round-trips any message and refuses another AppID', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (message) => {
        const e = encryptMessage(message, key, SAMPLE.appId);
        expect(decryptMessage(e, key, SAMPLE.appId)).toEqual({ ok: true, message });
        expect(decryptMessage(e, key, 'wx0000000000000000')).toEqual({ ok: false, reason: 'the message is for another AppID' });
      }),
      { numRuns: 200 },
    );
  });

  it('refuses garbage without throwing', () => {
    expect(decryptMessage('not base64!', key, SAMPLE.appId).ok).toBe(false);
    expect(decryptMessage('', key, SAMPLE.appId).ok).toBe(false);
    expect(decryptMessage(Buffer.alloc(48).toString('base64'), key, SAMPLE.appId).ok).toBe(false);
    expect(decryptMessage(Buffer.alloc(64, 7).toString('base64'), key, SAMPLE.appId).ok).toBe(false);
    const flipped = Buffer.from(SAMPLE.encrypt, 'base64');
    flipped[flipped.length - 1]! ^= 0xff;
    expect(decryptMessage(flipped.toString('base64'), key, SAMPLE.appId).ok).toBe(false);
  });

  it('checks the EncodingAESKey and compares signatures in constant time', () => {
    expect(() => aesKeyOf('short')).toThrow(/43 letters and digits/);
    expect(() => aesKeyOf(`${'a'.repeat(42)}+`)).toThrow();
    const sig = wechatSignature('token', '1', '2');
    expect(signatureMatches(sig, sig)).toBe(true);
    expect(signatureMatches(sig, sig.toUpperCase())).toBe(true);
    expect(signatureMatches(sig, undefined)).toBe(false);
    expect(signatureMatches(sig, `${sig.slice(0, 39)}0` === sig ? `${sig.slice(0, 39)}1` : `${sig.slice(0, 39)}0`)).toBe(false);
    expect(signatureMatches(sig, 'xyz')).toBe(false);
    // The parts are sorted before hashing, whatever order they come in.
    expect(wechatSignature('b', 'a', 'c')).toBe(wechatSignature('c', 'b', 'a'));
  });
});
