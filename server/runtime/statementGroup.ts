import { serverLoop } from '../loop/index.js';
import type { Sql, SqlArg, SqlRow } from './sql.js';

/**
 * One statement of a turn that can also be sent for several turns at once: `sql` for one turn
 * (`args`), `manySql` for several (one `$1::jsonb` argument: an array of each turn's `element`),
 * whose rows carry the turn's position from 1 in column `n`.
 */
export interface GroupableStatement {
  readonly sql: string;
  readonly manySql: string;
  /** A turn's element of the array as JSON text (default: its `args` as a JSON array). */
  readonly element?: (args: readonly SqlArg[]) => string;
}

interface Waiting {
  readonly args: readonly SqlArg[];
  readonly resolve: (rows: SqlRow[]) => void;
  readonly reject: (e: unknown) => void;
}

/**
 * Sends one kind of statement to a database with one engine thread (embedded PGlite) in groups: a
 * turn's statement goes at once when no other of its kind is under way; those that arrive meanwhile
 * wait for it and then go together, up to `max`, as one statement. The engine runs one request at a
 * time anyway, and each request (and each transaction) has a fixed cost there that a group pays once.
 * Nothing waits for a group to fill: at low load every statement goes alone, as before.
 *
 * A group is one statement, so one transaction. Should it fail (a turn that lost a race on a unique
 * index, a database fault), nothing of it took effect, and each turn's statement is sent again on its
 * own: every turn ends as it would have alone.
 */
export class StatementGroup {
  private readonly queue: Waiting[] = [];
  private sending = false;

  constructor(
    private readonly sql: Sql,
    private readonly statement: GroupableStatement,
    private readonly max = 32,
  ) {}

  /** The turn's rows, as `statement.sql` alone would return them. */
  query(args: readonly SqlArg[]): Promise<SqlRow[]> {
    return new Promise<SqlRow[]>((resolve, reject) => {
      this.queue.push({ args, resolve, reject });
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
      w.resolve(await this.sql.query(this.statement.sql, w.args));
    } catch (e) {
      w.reject(e);
    }
  }

  private async together(group: Waiting[]): Promise<void> {
    let rows: SqlRow[];
    try {
      const element = this.statement.element ?? ((args) => JSON.stringify(args));
      rows = await this.sql.query(this.statement.manySql, [`[${group.map((w) => element(w.args)).join(',')}]`]);
    } catch {
      // Nothing of the group took effect: each turn goes again alone and ends as it would have.
      await Promise.all(group.map((w) => this.alone(w)));
      return;
    }
    const byTurn = group.map((): SqlRow[] => []);
    for (const { n, ...row } of rows) byTurn[(n as number) - 1]?.push(row);
    // Each turn resumes in a slice of its own (server/loop), as after an answer of its own: resumed
    // together, a group's turns would run back to back and hold the loop from new connections.
    group.forEach((w, i) => serverLoop.run(() => w.resolve(byTurn[i]!)));
  }
}
