import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { PrismaClient } from '../db/index.js';
import { AppError } from '../errors.js';
import { SandboxBehaviourData } from './sandboxBehaviourData.js';
import { SandboxBankData, SandboxCreditBureau, SandboxGovernmentData } from './sandboxDataProviders.js';
import { SandboxIdentityVerifier } from './sandboxIdentityVerifier.js';
import { SandboxPaymentGateway } from './sandboxPaymentGateway.js';
import { SandboxSmsSender } from './sandboxSmsSender.js';
import type { Providers } from './types.js';

/** The sandbox set, with the SMS and payment doubles typed so tests can read codes and set balances. */
export interface SandboxProviders extends Providers {
  readonly sms: SandboxSmsSender;
  readonly payments: SandboxPaymentGateway;
}

/** Deterministic sandbox providers: demo personas and synthetic files, logged SMS, a card per borrower kept in `prisma`'s database. */
export function createSandboxProviders(logger: Pick<Logger, 'info'>, prisma: PrismaClient, options: { printSmsCodes?: boolean } = {}): SandboxProviders {
  return {
    creditBureau: new SandboxCreditBureau(logger),
    government: new SandboxGovernmentData(logger),
    bank: new SandboxBankData(logger),
    behaviour: new SandboxBehaviourData(logger),
    identity: new SandboxIdentityVerifier(logger),
    sms: new SandboxSmsSender(logger, options.printSmsCodes === true),
    payments: new SandboxPaymentGateway(prisma, logger),
  };
}

/**
 * Providers by configuration: `PROVIDERS=sandbox` (the default; loadConfig refuses it in
 * production), whose payment gateway keeps its cards and payments in the
 * app's database, or `PROVIDERS=bank`, where the bank's implementations are passed in code.
 */
export function createProviders(config: Pick<Config, 'providers' | 'env'>, logger: Pick<Logger, 'info' | 'warn'>, prisma: PrismaClient, bank?: Providers): Providers {
  if (config.providers === 'bank') {
    if (!bank) throw new AppError('CONFIG_INVALID', { setting: 'PROVIDERS', reason: 'is bank, but no bank providers were passed to createProviders' });
    return bank;
  }
  logger.warn({ providers: 'sandbox' }, '[sandbox] data, identity, SMS and payment providers are the sandbox: credit files and money are not real');
  // A code in a log is a credential in a log: printed only for a developer on their own machine.
  return createSandboxProviders(logger, prisma, { printSmsCodes: config.env === 'development' });
}
