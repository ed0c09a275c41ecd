import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Staff passwords: scrypt from node:crypto (memory-hard, nothing to install), stored as
 * `scrypt$<N>$<r>$<p>$<salt>$<hash>` so the cost can be raised later and old hashes still verify.
 */
const COST = { N: 1 << 15, r: 8, p: 1 } as const;
const KEY_BYTES = 32;

const scrypt = (password: string, salt: Buffer, cost: { N: number; r: number; p: number }): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const options: ScryptOptions = { ...cost, maxmem: 128 * cost.N * cost.r * 2 };
    scryptCallback(password.normalize('NFKC'), salt, KEY_BYTES, options, (e, key) => (e ? reject(e) : resolve(key)));
  });

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, COST);
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Whether `password` matches `stored`; false for anything that is not a hash of ours (a service account's empty one). */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![N, r, p].every((n) => Number.isSafeInteger(n) && n > 0) || N > 1 << 20) return false;
  const expected = Buffer.from(parts[5]!, 'base64url');
  const key = await scrypt(password, Buffer.from(parts[4]!, 'base64url'), { N, r, p });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A hash no password matches, verified at the same cost: a login for an unknown user takes as long as a wrong password. */
export const DUMMY_HASH = `scrypt$${COST.N}$${COST.r}$${COST.p}$${Buffer.alloc(16).toString('base64url')}$${Buffer.alloc(KEY_BYTES).toString('base64url')}`;

const COMMON = new Set(['password', 'password123', '12345678', '123456789', '1234567890', 'qwertyuiop', 'iloveyou', 'admin123', 'kuaidai', 'abc123456', '88888888', '11111111', 'a12345678']);

/**
 * The minimum policy: 12 to 128 characters, at least three distinct characters and two of
 * letters / digits / other, not a common password, and not the username. Null when it passes,
 * else what is wrong (English; the console translates the code).
 */
export function passwordProblem(password: string, username: string): { code: 'too_short' | 'too_long' | 'too_simple' | 'common' | 'is_username'; message: string } | null {
  if (password.length < 12) return { code: 'too_short', message: 'a password needs at least 12 characters' };
  if (password.length > 128) return { code: 'too_long', message: 'a password has at most 128 characters' };
  const lower = password.toLowerCase();
  if (lower === username.toLowerCase() || lower.includes(username.toLowerCase())) return { code: 'is_username', message: 'a password must not contain the username' };
  if (COMMON.has(lower)) return { code: 'common', message: 'this password is too common' };
  const kinds = [/[a-z]/i, /\d/, /[^a-z\d]/i].filter((re) => re.test(password)).length;
  if (new Set(password).size < 4 || kinds < 2) return { code: 'too_simple', message: 'a password needs at least four different characters and two of: letters, digits, other characters' };
  return null;
}

/** A password for a new account or a reset, printed once: 20 characters from an unambiguous alphabet, with a digit and a letter. */
export function generatePassword(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789';
  for (;;) {
    // Only bytes below a multiple of the alphabet's size: no letter more likely than another.
    const limit = 256 - (256 % alphabet.length);
    const out = Array.from(randomBytes(40).filter((b) => b < limit), (b) => alphabet[b % alphabet.length]).join('').slice(0, 20);
    if (out.length < 20) continue;
    if (/\d/.test(out) && /[a-z]/i.test(out)) return out;
  }
}
