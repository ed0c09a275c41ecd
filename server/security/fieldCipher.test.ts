import { createCipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createFieldCipher, fieldContext } from './fieldCipher.js';

const KEY_A = Buffer.alloc(32, 1);
const KEY_B = Buffer.alloc(32, 2);
const KEY_C = Buffer.alloc(32, 3);

/** A value as the cipher wrote it before key ids and contexts (format v1). */
function sealV1(plain: string, dataKey: Buffer): string {
  const encKey = Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), 'kuaidai field encryption v1', 32));
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', encKey, iv);
  const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
}

const crypto = expect.objectContaining({ code: 'CRYPTO_FAILED' });

describe('fieldCipher', () => {
  const cipher = createFieldCipher(KEY_A);

  it('round-trips, names its key and never stores the clear text', () => {
    const sealed = cipher.encrypt('110105199003071234');
    expect(sealed).not.toContain('110105199003071234');
    expect(sealed.split('.')).toEqual(['v2', cipher.keyId, expect.any(String), expect.any(String), expect.any(String)]);
    expect(cipher.keyId).toMatch(/^[A-Za-z0-9_-]{8}$/);
    expect(cipher.decrypt(sealed)).toBe('110105199003071234');
    expect(cipher.encrypt('110105199003071234')).not.toBe(sealed); // random IV
  });

  it('never repeats an IV, across refills of its random pool', () => {
    const ivs = new Set<string>();
    for (let i = 0; i < 2_000; i++) {
      const sealed = cipher.encrypt(`value ${i}`, `ctx:${i}`);
      ivs.add(sealed.split('.')[2]!);
      expect(cipher.decrypt(sealed, `ctx:${i}`)).toBe(`value ${i}`);
    }
    expect(ivs.size).toBe(2_000);
    expect([...ivs].every((iv) => Buffer.from(iv, 'base64url').length === 12)).toBe(true);
  });

  it('rejects tampering and a wrong key with a coded error', () => {
    const sealed = cipher.encrypt('13800138000');
    const [v, kid, iv, tag, ct] = sealed.split('.');
    // Flip one bit of a ciphertext byte (editing base64 text could land on padding bits instead).
    const bytes = Buffer.from(ct!, 'base64url');
    bytes[0] = bytes[0]! ^ 0x01;
    expect(() => cipher.decrypt(`${v}.${kid}.${iv}.${tag}.${bytes.toString('base64url')}`)).toThrow(crypto);
    expect(() => createFieldCipher(KEY_B).decrypt(sealed)).toThrow(expect.objectContaining({ code: 'CRYPTO_FAILED', message: expect.stringMatching(/neither KUAIDAI_DATA_KEY nor in KUAIDAI_DATA_KEYS_OLD/) }));
    // Another key under this key's id: authentication fails.
    expect(() => cipher.decrypt(createFieldCipher(KEY_B).encrypt('x').replace(/^v2\.[^.]+\./, `v2.${cipher.keyId}.`))).toThrow(crypto);
    expect(() => cipher.decrypt('garbage')).toThrow(crypto);
  });

  it('binds a ciphertext to its table, column and row', () => {
    const id = fieldContext('Borrower', 'idNumberEnc', 'b-1');
    expect(id).toBe('Borrower.idNumberEnc:b-1');
    const sealed = cipher.encrypt('110105199003071234', id);
    expect(cipher.decrypt(sealed, id)).toBe('110105199003071234');
    // Moved to another row or column, or read without its context: it does not open.
    expect(() => cipher.decrypt(sealed, fieldContext('Borrower', 'idNumberEnc', 'b-2'))).toThrow(crypto);
    expect(() => cipher.decrypt(sealed, fieldContext('Borrower', 'phoneEnc', 'b-1'))).toThrow(crypto);
    expect(() => cipher.decrypt(sealed)).toThrow(crypto);
    expect(() => cipher.decrypt(cipher.encrypt('x'), id)).toThrow(crypto);
  });

  it('rotates: new writes use the new key, values sealed with old keys still open', () => {
    const before = createFieldCipher(KEY_A);
    const old = before.encrypt('13807360001', 'Borrower.phoneEnc:b-1');
    const rotated = createFieldCipher(KEY_B, [KEY_A]);
    expect(rotated.keyId).not.toBe(before.keyId);
    expect(rotated.decrypt(old, 'Borrower.phoneEnc:b-1')).toBe('13807360001');
    const fresh = rotated.encrypt('13807360001', 'Borrower.phoneEnc:b-1');
    expect(fresh.split('.')[1]).toBe(rotated.keyId);
    // The key that was dropped cannot read what the new one wrote.
    expect(() => before.decrypt(fresh, 'Borrower.phoneEnc:b-1')).toThrow(crypto);
    // Twice rotated: all three still read.
    const twice = createFieldCipher(KEY_C, [KEY_B, KEY_A]);
    expect(twice.decrypt(old, 'Borrower.phoneEnc:b-1')).toBe('13807360001');
    expect(twice.decrypt(fresh, 'Borrower.phoneEnc:b-1')).toBe('13807360001');
  });

  it('reads values written before key ids (v1), with any key of the ring and whatever context is asked', () => {
    const legacy = sealV1('43070219780203031X', KEY_A);
    expect(createFieldCipher(KEY_A).decrypt(legacy)).toBe('43070219780203031X');
    expect(createFieldCipher(KEY_A).decrypt(legacy, 'Borrower.idNumberEnc:b-1')).toBe('43070219780203031X');
    expect(createFieldCipher(KEY_B, [KEY_A]).decrypt(legacy)).toBe('43070219780203031X');
    expect(() => createFieldCipher(KEY_B).decrypt(legacy)).toThrow(crypto);
  });

  it('hashes deterministically per key, ignoring case and spaces, and keeps hashes across a rotation', () => {
    expect(cipher.lookupHash('11010519900307123x')).toBe(cipher.lookupHash(' 11010519900307123X '));
    expect(createFieldCipher(KEY_B).lookupHash('x')).not.toBe(cipher.lookupHash('x'));
    // The oldest key of the ring keys the hashes, so a borrower stored before a rotation is still found.
    expect(createFieldCipher(KEY_B, [KEY_A]).lookupHash('x')).toBe(cipher.lookupHash('x'));
    expect(createFieldCipher(KEY_C, [KEY_B, KEY_A]).lookupHash('x')).toBe(cipher.lookupHash('x'));
  });
});
