import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** SHA-256 of a text, base64url: how a session row is keyed by the secret its cookie carries. */
export const sha256 = (text: string): string => createHash('sha256').update(text).digest('base64url');

/**
 * Cookie values that point at a server-side row without being guessable or forgeable:
 * `<version>.<secret>.<hmac>` with 256 random bits, signed with a key derived from a configured
 * secret and a purpose (so a token of one purpose is worthless for another). A value we did not
 * sign is refused without a database read; the row is keyed by SHA-256 of the secret, so a copy of
 * the table gives no cookie. Used by the borrower's web sessions and the staff console's sessions.
 */
export class SignedTokens {
  private readonly key: Buffer;
  private readonly pattern: RegExp;

  constructor(
    secret: string,
    purpose: string,
    private readonly version: string,
  ) {
    if (!/^[a-z0-9]{1,8}$/.test(version)) throw new Error(`token version must be short lowercase letters or digits, got ${version}`);
    this.key = createHmac('sha256', secret).update(purpose).digest();
    this.pattern = new RegExp(`^${version}\\.([A-Za-z0-9_-]{43})\\.([A-Za-z0-9_-]{43})$`);
  }

  /** A fresh secret, its cookie value and the row id it maps to. */
  mint(): { secret: string; token: string; id: string } {
    const secret = randomBytes(32).toString('base64url');
    return { secret, token: this.tokenOf(secret), id: sha256(secret) };
  }

  /** The cookie value of a secret. */
  tokenOf(secret: string): string {
    return `${this.version}.${secret}.${this.sign(secret)}`;
  }

  /** The row id a cookie value names, when it is well formed and signed by us. */
  idOf(token: string | undefined): string | undefined {
    const match = token && token.length < 200 ? this.pattern.exec(token) : null;
    if (!match) return undefined;
    const expected = Buffer.from(this.sign(match[1]!));
    const given = Buffer.from(match[2]!);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    return sha256(match[1]!);
  }

  /** A value only this server can compute from `label` (a renewal's secret from its ticket, a session's CSRF token). */
  derive(label: string): string {
    return createHmac('sha256', this.key).update(`derive ${label}`).digest('base64url');
  }

  /** Constant-time comparison of a given value with one derived from `label`. */
  matchesDerived(label: string, given: string | undefined): boolean {
    if (!given) return false;
    const expected = Buffer.from(this.derive(label));
    const actual = Buffer.from(given);
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }

  private sign(secret: string): string {
    return createHmac('sha256', this.key).update(`${this.version}.${secret}`).digest('base64url');
  }
}
