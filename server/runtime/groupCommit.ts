import type { Sql } from './sql.js';

/** One turn's commit: kuaidai_turn_commit's argument; answers 1 (stored) or 0 (changed by another writer). */
export const COMMIT_SQL = 'SELECT kuaidai_turn_commit($1::jsonb) AS "committed"';
// Several turns' commits in one statement and transaction (migration 20261207160000_turn_commit_many).
const COMMIT_MANY_SQL = 'SELECT committed AS "committed" FROM kuaidai_turn_commit_many($1::jsonb) ORDER BY n';

interface Waiting {
  readonly argument: string;
  readonly resolve: (committed: number) => void;
  readonly reject: (e: unknown) => void;
}

/**
 * Group commit for a database with one engine thread (embedded PGlite): a turn's commit is sent at
 * once when no other is under way; commits that arrive meanwhile wait for it and then go together,
 * up to `max`, as one statement. The engine runs one request at a time anyway, and each request and
 * transaction has a fixed cost there (about 0.3 ms of a ~0.8 ms commit), which a group pays once.
 * Nothing waits for a group to fill: at low load every commit goes alone, as before.
 *
 * A group is one transaction. Should its statement fail (a turn that lost a race on a unique index,
 * a database fault), nothing of it was stored, and each turn is sent again on its own: every turn
 * ends as it would have alone.
 */
export class GroupCommit {
  private readonly queue: Waiting[] = [];
  private sending = false;

  constructor(
    private readonly sql: Sql,
    private readonly max = 32,
  ) {}

  /** Resolves with 1 when the turn was stored, 0 when its conversation was changed meanwhile. */
  commit(argument: string): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.queue.push({ argument, resolve, reject });
      if (!this.sending) void this.send();
    });
  }

  private async send(): Promise<void> {
    this.sending = true;
    try {
      while (this.queue.length > 0) {
        const group = this.queue.splice(0, this.max);
        if (group.length === 1) await this.alone(group[0]!);
        else await this.together(group);
      }
    } finally {
      this.sending = false;
    }
  }

  private async alone(w: Waiting): Promise<void> {
    try {
      const [row] = await this.sql.query(COMMIT_SQL, [w.argument]);
      w.resolve(committedOf(row?.committed));
    } catch (e) {
      w.reject(e);
    }
  }

  private async together(group: Waiting[]): Promise<void> {
    let rows;
    try {
      rows = await this.sql.query(COMMIT_MANY_SQL, [`[${group.map((w) => w.argument).join(',')}]`]);
    } catch {
      // The group's transaction rolled back: each turn goes again alone and ends as it would have.
      await Promise.all(group.map((w) => this.alone(w)));
      return;
    }
    group.forEach((w, i) => w.resolve(committedOf(rows[i]?.committed)));
  }
}

const committedOf = (value: unknown): number => (value === 1 ? 1 : 0);
