import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * WeChat's callback signatures and the message encryption of "safe mode" (安全模式):
 *
 * - URL verification and plaintext messages: `signature = sha1(sort([token, timestamp, nonce]).join(''))`.
 * - Encrypted messages: `msg_signature = sha1(sort([token, timestamp, nonce, Encrypt]).join(''))`.
 * - AESKey = base64decode(EncodingAESKey + '='), 32 bytes; AES-256-CBC, IV = the key's first 16
 *   bytes; plaintext = random(16) + length(4, big-endian) + message + appId, PKCS#7-padded to a
 *   multiple of 32 bytes (not AES's 16); ciphertext base64.
 */

/** sha1 of the sorted parts, joined: both of WeChat's callback signatures. */
export function wechatSignature(...parts: readonly string[]): string {
  return createHash('sha1').update([...parts].sort().join('')).digest('hex');
}

/** Constant-time comparison of a received signature with the expected one. */
export function signatureMatches(expected: string, received: string | undefined): boolean {
  if (typeof received !== 'string' || !/^[0-9a-f]{40}$/i.test(received)) return false;
  return timingSafeEqual(Buffer.from(expected, 'hex'), Buffer.from(received.toLowerCase(), 'hex'));
}

/** A 43-character EncodingAESKey of letters and digits; anything else is not one WeChat issued. */
export const ENCODING_AES_KEY = /^[A-Za-z0-9]{43}$/;

/** The 32-byte AES key of an EncodingAESKey. Throws on a malformed key (configuration validates first). */
export function aesKeyOf(encodingAesKey: string): Buffer {
  if (!ENCODING_AES_KEY.test(encodingAesKey)) throw new Error('EncodingAESKey must be 43 letters and digits');
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  if (key.length !== 32) throw new Error('EncodingAESKey does not decode to 32 bytes');
  return key;
}

const BLOCK = 32;

/** Encrypts a reply for the `Encrypt` element. `random` is for known-answer tests only. */
export function encryptMessage(message: string, key: Buffer, appId: string, random: Buffer = randomBytes(16)): string {
  const body = Buffer.from(message, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length, 0);
  const plain = Buffer.concat([random, length, body, Buffer.from(appId, 'utf8')]);
  const pad = BLOCK - (plain.length % BLOCK);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(Buffer.concat([plain, Buffer.alloc(pad, pad)])), cipher.final()]).toString('base64');
}

export type DecryptResult = { readonly ok: true; readonly message: string } | { readonly ok: false; readonly reason: string };

/**
 * Decrypts an `Encrypt` value and checks it was meant for `appId`. Call only after the
 * msg_signature matched: the signature, not the padding, is what authenticates the message.
 */
export function decryptMessage(encrypted: string, key: Buffer, appId: string): DecryptResult {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encrypted) || encrypted.length % 4 !== 0) return { ok: false, reason: 'Encrypt is not base64' };
  const data = Buffer.from(encrypted, 'base64');
  if (data.length === 0 || data.length % BLOCK !== 0) return { ok: false, reason: 'ciphertext is not a whole number of blocks' };
  let plain: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
    decipher.setAutoPadding(false);
    plain = Buffer.concat([decipher.update(data), decipher.final()]);
  } catch {
    return { ok: false, reason: 'decryption failed' };
  }
  const pad = plain[plain.length - 1]!;
  if (pad < 1 || pad > BLOCK || !plain.subarray(plain.length - pad).every((b) => b === pad)) return { ok: false, reason: 'bad padding' };
  const unpadded = plain.subarray(0, plain.length - pad);
  if (unpadded.length < 20) return { ok: false, reason: 'too short' };
  const length = unpadded.readUInt32BE(16);
  if (20 + length > unpadded.length) return { ok: false, reason: 'length field exceeds the message' };
  const from = unpadded.subarray(20 + length).toString('utf8');
  if (from !== appId) return { ok: false, reason: 'the message is for another AppID' };
  return { ok: true, message: unpadded.subarray(20, 20 + length).toString('utf8') };
}
