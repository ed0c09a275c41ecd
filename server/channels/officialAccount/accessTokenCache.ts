/** A token as WeChat hands it out: the value and how many seconds it stays valid. */
export interface FetchedToken {
  readonly token: string;
  readonly expiresInSec: number;
}

/**
 * Caches the official account's access_token until shortly before it expires (5 minutes, or half
 * its life when shorter), fetches it once however many callers ask at the same moment
 * (single-flight), and forgets a token the API has refused so the next caller fetches a new one.
 */
export class AccessTokenCache {
  private current: { readonly token: string; readonly refreshAt: number } | undefined;
  private inFlight: Promise<string> | undefined;

  constructor(
    private readonly fetchToken: () => Promise<FetchedToken>,
    private readonly now: () => number = Date.now,
  ) {}

  /** A valid token: the cached one, or the result of the one fetch under way. */
  async get(): Promise<string> {
    if (this.current && this.now() < this.current.refreshAt) return this.current.token;
    return this.refresh();
  }

  /** The API said `token` is invalid or expired (40001, 40014, 42001): drop it unless a newer one replaced it already. */
  invalidate(token: string): void {
    if (this.current?.token === token) this.current = undefined;
  }

  private refresh(): Promise<string> {
    this.inFlight ??= this.fetchToken()
      .then(({ token, expiresInSec }) => {
        const lifetime = expiresInSec * 1000;
        this.current = { token, refreshAt: this.now() + lifetime - Math.min(300_000, lifetime / 2) };
        return token;
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }
}
