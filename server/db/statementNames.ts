import { createHash } from 'node:crypto';

/**
 * Names for PostgreSQL prepared statements, so pg parses and plans a statement once per connection
 * and later runs send only Bind and Execute. A text gets a name from its `after`-th use (one-off
 * texts stay unnamed), and at most `max` texts are named, so no connection collects statements
 * without bound. `renamed` gives a text a new name after PostgreSQL refused its prepared plan (a
 * schema change of its result type): the next use on every connection prepares it again.
 */
export class StatementNames {
  private readonly named = new Map<string, string>();
  private readonly seen = new Map<string, number>();
  private generation = 0;

  constructor(
    private readonly max = 300,
    private readonly after = 2,
  ) {}

  name(text: string): string | undefined {
    const name = this.named.get(text);
    if (name !== undefined || this.named.size >= this.max) return name;
    const uses = (this.seen.get(text) ?? 0) + 1;
    if (uses < this.after) {
      // Counting is bounded too: a flood of one-off texts starts the count again.
      if (this.seen.size >= this.max * 10) this.seen.clear();
      this.seen.set(text, uses);
      return undefined;
    }
    this.seen.delete(text);
    return this.assign(text);
  }

  renamed(text: string): void {
    if (this.named.has(text)) this.assign(text);
  }

  private assign(text: string): string {
    const name = `kd_${createHash('sha1').update(text).digest('hex').slice(0, 24)}_${this.generation++}`;
    this.named.set(text, name);
    return name;
  }
}

/** SQLSTATEs after which a prepared statement is not usable and must be prepared again. */
export const STALE_STATEMENT = new Set(['0A000', '26000']);
