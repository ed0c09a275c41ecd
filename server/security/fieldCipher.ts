import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomFillSync } from 'node:crypto';
import { AppError } from '../errors.js';

/**
 * Encrypts personal data at rest (AES-256-GCM, random IV) and derives keyed lookup hashes, so a
 * borrower can be found by ID number without the number ever being stored in clear.
 *
 * - Key ring: new ciphertexts use the current key (KUAIDAI_DATA_KEY) and name it by a key id
 *   (`v2.<kid>.<iv>.<tag>.<ciphertext>`, base64url); older keys (KUAIDAI_DATA_KEYS_OLD) still open
 *   what they sealed. Rotating is: the new key as KUAIDAI_DATA_KEY, the previous one prepended to
 *   KUAIDAI_DATA_KEYS_OLD.
 * - Associated data: a `context` naming where the value lives (`Borrower.idNumberEnc:<id>`) is
 *   authenticated with it, so a ciphertext copied to another column or row does not open.
 * - Format `v1.<iv>.<tag>.<ciphertext>` (no key id, no context), written before, is still read with
 *   any key of the ring.
 * - Lookup hashes use the oldest key of the ring (the last of KUAIDAI_DATA_KEYS_OLD, or the current
 *   key when there is none): a rotation must not make stored hashes unfindable, so that key stays
 *   listed until the hashes are rewritten.
 */
export interface FieldCipher {
  /** Seals with the current key; `context` must be given again to decrypt. */
  encrypt(plain: string, context?: string): string;
  /** Opens a value sealed with any key of the ring, with the same `context` it was sealed with. */
  decrypt(sealed: string, context?: string): string;
  /** Deterministic keyed hash (HMAC-SHA256) for equality lookups; normalises case and spaces. */
  lookupHash(plain: string): string;
  /** The id new ciphertexts carry (derived from the current key; reveals nothing of it). */
  readonly keyId: string;
  /**
   * The lookup hash's own key (derived; it opens no ciphertext), for bulk hashing on a worker thread
   * (batch pre-credit) with `lookupHashWith`, equal to `lookupHash`.
   */
  readonly lookupKey: Uint8Array;
}

/** The lookup hash with a given key: what `FieldCipher.lookupHash` computes. */
export const lookupHashWith = (key: Uint8Array, plain: string): string => createHmac('sha256', key).update(plain.replace(/\s+/g, '').toUpperCase()).digest('base64url');

interface RingKey {
  readonly id: string;
  readonly encKey: Buffer;
}

const derive = (key: Buffer, info: string): Buffer => Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), info, 32));
const ringKey = (key: Buffer): RingKey => ({
  id: createHash('sha256').update(derive(key, 'kuaidai key id v1')).digest('base64url').slice(0, 8),
  encKey: derive(key, 'kuaidai field encryption v1'),
});
/**
 * Fresh 12-byte IVs, drawn from the system's CSPRNG 4 KiB at a time: one `randomBytes` call per
 * value cost a third of sealing one (a turn seals a few). Each IV is used once, as GCM requires.
 */
function ivSource(): () => Buffer {
  const pool = Buffer.alloc(12 * 340);
  let next = pool.length;
  return () => {
    if (next === pool.length) {
      randomFillSync(pool);
      next = 0;
    }
    const iv = Buffer.from(pool.subarray(next, next + 12));
    next += 12;
    return iv;
  };
}

/** What GCM authenticates beside the ciphertext: the format, the key id and where the value lives. */
const associatedData = (kid: string, context: string): Buffer => Buffer.from(`kuaidai field v2\u0000${kid}\u0000${context}`, 'utf8');

export function createFieldCipher(dataKey: Buffer, oldKeys: readonly Buffer[] = []): FieldCipher {
  for (const [i, key] of [dataKey, ...oldKeys].entries()) {
    if (key.length !== 32) throw new AppError('CONFIG_INVALID', { setting: i === 0 ? 'KUAIDAI_DATA_KEY' : 'KUAIDAI_DATA_KEYS_OLD', reason: 'must be 32 bytes' });
  }
  const current = ringKey(dataKey);
  const ring = [current, ...oldKeys.map(ringKey)];
  const byId = new Map(ring.map((k) => [k.id, k] as const));
  const macKey = derive(oldKeys.at(-1) ?? dataKey, 'kuaidai lookup hash v1');
  const freshIv = ivSource();

  const open = (encKey: Buffer, iv: string, tag: string, ct: string, aad: Buffer | undefined): string => {
    const decipher = createDecipheriv('aes-256-gcm', encKey, Buffer.from(iv, 'base64url'));
    if (aad) decipher.setAAD(aad);
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
  };
  const failed = (cause?: unknown) => new AppError('CRYPTO_FAILED', { reason: 'authentication failed (wrong key or context, or the value was altered)' }, { cause });

  return {
    keyId: current.id,
    lookupKey: new Uint8Array(macKey),
    encrypt(plain, context = '') {
      const iv = freshIv();
      const cipher = createCipheriv('aes-256-gcm', current.encKey, iv);
      cipher.setAAD(associatedData(current.id, context));
      const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return ['v2', current.id, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
    },
    decrypt(sealed, context = '') {
      const parts = sealed.split('.');
      if (parts[0] === 'v2' && parts.length === 5) {
        const [, kid, iv, tag, ct] = parts as [string, string, string, string, string];
        const key = byId.get(kid);
        if (!key) throw new AppError('CRYPTO_FAILED', { reason: `sealed with key ${kid}, which is neither KUAIDAI_DATA_KEY nor in KUAIDAI_DATA_KEYS_OLD` });
        try {
          return open(key.encKey, iv, tag, ct, associatedData(kid, context));
        } catch (e) {
          throw failed(e);
        }
      }
      if (parts[0] === 'v1' && parts.length === 4) {
        // Written before key ids: whichever key of the ring authenticates it.
        const [, iv, tag, ct] = parts as [string, string, string, string];
        let last: unknown;
        for (const key of ring) {
          try {
            return open(key.encKey, iv, tag, ct, undefined);
          } catch (e) {
            last = e;
          }
        }
        throw failed(last);
      }
      throw new AppError('CRYPTO_FAILED', { reason: 'unknown format' });
    },
    lookupHash(plain) {
      return lookupHashWith(macKey, plain);
    },
  };
}

/** The context of a value in a column of a row, as encrypt/decrypt take it: `Borrower.idNumberEnc:<id>`. */
export const fieldContext = (table: string, column: string, rowId: string): string => `${table}.${column}:${rowId}`;
