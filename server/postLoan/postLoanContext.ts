import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Config } from '../config/index.js';
import type { PrismaClient } from '../db/generated/client.js';
import type { Sql } from '../runtime/index.js';
import { AppError } from '../errors.js';
import type { Contacts, PostLoanContext } from './contracts.js';

/**
 * The one place the post-loan jobs' context is built (server/boot.ts calls it): the app's database,
 * raw SQL, clock (the demo clock in sandbox), configuration and logger, and the contact-policy
 * component every borrower contact goes through (server/contact/, passed in).
 */
export function createPostLoanContext(deps: { prisma: PrismaClient; sql: Sql; clock: Clock; config: Config; logger: Logger }, contacts: Contacts): PostLoanContext {
  return { prisma: deps.prisma, sql: deps.sql, clock: deps.clock, config: deps.config, logger: deps.logger.child({ component: 'postLoan' }), contacts };
}

/**
 * Until the server is given the contact-policy component (BootOptions.contacts), a job that contacts a
 * borrower fails with a clear error rather than sending around the contact rules.
 */
export const contactsNotWired: Contacts = {
  contact: () => Promise.reject(new AppError('INTERNAL', {}, { cause: new Error('no Contacts component was passed to bootServer (BootOptions.contacts, server/contact/)') })),
  sendDeferred: () => Promise.reject(new AppError('INTERNAL', {}, { cause: new Error('no Contacts component was passed to bootServer (BootOptions.contacts, server/contact/)') })),
};
