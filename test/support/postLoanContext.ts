import { createLogger } from '../../server/logging/index.js';
import type { Config } from '../../server/config/index.js';
import type { Contacts, PostLoanContext } from '../../server/postLoan/contracts.js';
import { openSql } from '../../server/runtime/index.js';
import type { ServicesHarness } from '../servicesHarness.js';

/** A PostLoanContext on a services harness's database and clock, with the given Contacts. */
export async function postLoanContext(h: ServicesHarness, contacts: Contacts, config: Partial<Config> = {}): Promise<PostLoanContext & { close(): Promise<void> }> {
  const sql = await openSql(h.db);
  return {
    prisma: h.db.prisma,
    sql,
    clock: h.clock,
    config: config as Config,
    logger: createLogger('silent'),
    contacts,
    close: () => sql.close(),
  };
}
