import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { AppError } from '../errors.js';

/**
 * Encrypts personal identifiers at rest (AES-256-GCM, random IV, versioned format
 * `v1.<iv>.<tag>.<ciphertext>` in base64url) and derives a keyed lookup hash, so a borrower can be
 * found by ID number without the number ever being stored in clear. Separate keys are derived
 * from the configured data key for each purpose.
 */
export interface FieldCipher {
  encrypt(plain: string): string;
  decrypt(sealed: string): string;
  /** Deterministic keyed hash (HMAC-SHA256) for equality lookups; normalises case and spaces. */
  lookupHash(plain: string): string;
}

export function createFieldCipher(dataKey: Buffer): FieldCipher {
  if (dataKey.length !== 32) throw new AppError('CONFIG_INVALID', { setting: 'KUAIDAI_DATA_KEY', reason: 'must be 32 bytes' });
  const encKey = Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), 'kuaidai field encryption v1', 32));
  const macKey = Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), 'kuaidai lookup hash v1', 32));
  return {
    encrypt(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', encKey, iv);
      const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
    },
    decrypt(sealed) {
      const [version, iv, tag, ct] = sealed.split('.');
      if (version !== 'v1' || !iv || !tag || ct === undefined) throw new AppError('CRYPTO_FAILED', { reason: 'unknown format' });
      try {
        const decipher = createDecipheriv('aes-256-gcm', encKey, Buffer.from(iv, 'base64url'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
      } catch (e) {
        throw new AppError('CRYPTO_FAILED', { reason: 'authentication failed (wrong KUAIDAI_DATA_KEY?)' }, { cause: e });
      }
    },
    lookupHash(plain) {
      return createHmac('sha256', macKey).update(plain.replace(/\s+/g, '').toUpperCase()).digest('base64url');
    },
  };
}
