import type { Logger } from 'pino';
import { createPrng, DEMO_AS_OF, maskIdNumber, syntheticApplicant, type AuthorisedData, type DataSource } from '../../core/index.js';
import { describeFile, sandboxFileFor, seedOf, type SandboxFile } from './sandboxFiles.js';
import type { BankDataProvider, CreditBureauProvider, DataQuery, GovernmentDataProvider, ProviderResult } from './types.js';

type SandboxLogger = Pick<Logger, 'info'>;

/** Answers one source from the sandbox file of the query's ID number, logging `[sandbox]`. */
function answer<K extends DataSource>(logger: SandboxLogger, provider: string, source: K, query: DataQuery, pick: (file: SandboxFile) => AuthorisedData[K] | undefined): ProviderResult<NonNullable<AuthorisedData[K]>> {
  const file = sandboxFileFor(query.person.idNumber);
  if (!file) {
    logger.info({ provider, source }, `[sandbox] ${source}: no record for an invalid ID number`);
    return { ok: true, data: null };
  }
  const data = pick(file) ?? null;
  logger.info({ provider, source, synthetic: file.synthetic, found: data !== null }, `[sandbox] ${source} for ${maskIdNumber(query.person.idNumber)}: ${describeFile(file)}${data === null ? ', no record' : ''}`);
  return { ok: true, data: data as NonNullable<AuthorisedData[K]> | null, synthetic: file.synthetic };
}

/** Sandbox credit bureau: demo personas' reports, or a synthetic one seeded by the ID number. */
export class SandboxCreditBureau implements CreditBureauProvider {
  readonly name = 'sandbox-credit-bureau';
  constructor(private readonly logger: SandboxLogger) {}
  async report(query: DataQuery) {
    return answer(this.logger, this.name, 'credit_bureau', query, (f) => f.profile.sources.credit_bureau);
  }
}

/** Sandbox government data exchange (housing fund, social security, tax, business registry). */
export class SandboxGovernmentData implements GovernmentDataProvider {
  readonly name = 'sandbox-government-data';
  constructor(private readonly logger: SandboxLogger) {}
  async housingFund(query: DataQuery) {
    return answer(this.logger, this.name, 'housing_fund', query, (f) => f.profile.sources.housing_fund);
  }
  async socialSecurity(query: DataQuery) {
    return answer(this.logger, this.name, 'social_security', query, (f) => f.profile.sources.social_security);
  }
  async tax(query: DataQuery) {
    return answer(this.logger, this.name, 'tax', query, (f) => (sameEnterprise(f, query) ? f.profile.sources.tax : enterpriseFile(query)?.tax));
  }
  async businessRegistry(query: DataQuery) {
    if (!query.enterprise) return { ok: true as const, data: null };
    return answer(this.logger, this.name, 'business_registry', query, (f) => (sameEnterprise(f, query) ? f.profile.sources.business_registry : enterpriseFile(query)?.business_registry));
  }
}

/** A persona's enterprise records answer only for its own USCC; a persona or synthetic file otherwise keeps its records. */
const sameEnterprise = (file: SandboxFile, query: DataQuery): boolean =>
  !file.persona || !query.enterprise || file.persona.profile.enterprise?.uscc === query.enterprise.uscc;

/** Enterprise records made up from the USCC, for a persona applying with another enterprise. */
function enterpriseFile(query: DataQuery): AuthorisedData | undefined {
  if (!query.enterprise) return undefined;
  return syntheticApplicant(createPrng(seedOf(`kuaidai-sandbox-uscc:${query.enterprise.uscc}`)), DEMO_AS_OF, { enterprise: true }).sources;
}

/** Sandbox core-banking view: deposits and payroll of personas, synthetic otherwise. */
export class SandboxBankData implements BankDataProvider {
  readonly name = 'sandbox-bank-data';
  constructor(private readonly logger: SandboxLogger) {}
  async relationship(query: DataQuery) {
    return answer(this.logger, this.name, 'bank', query, (f) => f.profile.sources.bank);
  }
}
