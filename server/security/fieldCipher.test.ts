import { describe, expect, it } from 'vitest';
import { createFieldCipher } from './fieldCipher.js';

describe('fieldCipher', () => {
  const cipher = createFieldCipher(Buffer.alloc(32, 1));

  it('round-trips and never stores the clear text', () => {
    const sealed = cipher.encrypt('110105199003071234');
    expect(sealed).not.toContain('110105199003071234');
    expect(sealed.startsWith('v1.')).toBe(true);
    expect(cipher.decrypt(sealed)).toBe('110105199003071234');
    expect(cipher.encrypt('110105199003071234')).not.toBe(sealed); // random IV
  });

  it('rejects tampering and a wrong key with a coded error', () => {
    const sealed = cipher.encrypt('13800138000');
    const [v, iv, tag, ct] = sealed.split('.');
    // Flip one bit of a ciphertext byte (editing base64 text could land on padding bits instead).
    const bytes = Buffer.from(ct!, 'base64url');
    bytes[0] = bytes[0]! ^ 0x01;
    const flipped = `${v}.${iv}.${tag}.${bytes.toString('base64url')}`;
    expect(() => cipher.decrypt(flipped)).toThrow(expect.objectContaining({ code: 'CRYPTO_FAILED' }));
    expect(() => createFieldCipher(Buffer.alloc(32, 2)).decrypt(sealed)).toThrow(expect.objectContaining({ code: 'CRYPTO_FAILED' }));
    expect(() => cipher.decrypt('garbage')).toThrow(expect.objectContaining({ code: 'CRYPTO_FAILED' }));
  });

  it('hashes deterministically per key, ignoring case and spaces', () => {
    expect(cipher.lookupHash('11010519900307123x')).toBe(cipher.lookupHash(' 11010519900307123X '));
    expect(createFieldCipher(Buffer.alloc(32, 2)).lookupHash('x')).not.toBe(cipher.lookupHash('x'));
  });
});
