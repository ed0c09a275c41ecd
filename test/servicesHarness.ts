import { vi } from 'vitest';
import { decideApplication, DEMO_PRODUCTS, demoPersona, shanghaiDateOf, type DemoPersonaKey } from '../core/index.js';
import type { SubmitApplicationInput, SubmitApplicationOutput } from '../flows/host.js';
import { manualClock, type Clock } from '../server/clock.js';
import { applyMigrations, openDatabase, type Database } from '../server/db/index.js';
import { createLogger } from '../server/logging/index.js';
import { createSandboxProviders, type Providers, type SandboxProviders } from '../server/providers/index.js';
import { createFieldCipher, type FieldCipher } from '../server/security/fieldCipher.js';
import { createFlowEffects, createPaymentRecovery, DEFAULT_SERVICE_OPTIONS, type PaymentRecovery, type ServiceOptions } from '../server/services/index.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';

/** Services on a fresh migrated database (PGlite or PostgreSQL, following DATABASE_URL) with sandbox providers. */
export interface ServicesHarness {
  readonly database: TestDatabase;
  readonly db: Database;
  readonly cipher: FieldCipher;
  readonly providers: SandboxProviders;
  readonly effects: ReturnType<typeof createFlowEffects>;
  /** The services' clock (2026-01-15T02:00Z, moved only by tests). */
  readonly clock: Clock & { advance(ms: number): void };
  /** The payment recovery job's work, on the same gateway and clock (RECOVERY_AFTER_MS as `paymentRecoveryAfterMs`). */
  readonly recovery: PaymentRecovery;
  close(): Promise<void>;
}

export async function openServices(options: Partial<ServiceOptions> = {}): Promise<ServicesHarness> {
  const database = await createTestDatabase();
  const db = await openDatabase(database.target, { poolSize: 4 });
  await applyMigrations(db.adapterFactory);
  const logger = createLogger('silent');
  const cipher = createFieldCipher(Buffer.alloc(32, 7));
  const providers = createSandboxProviders(logger, db.prisma);
  const clock = manualClock('2026-01-15T02:00:00Z');
  const effects = createFlowEffects({ db, cipher, clock, logger, providers, products: DEMO_PRODUCTS, options });
  const recovery = createPaymentRecovery({ db, clock, logger, payments: providers.payments, recoveryAfterMs: options.paymentRecoveryAfterMs ?? DEFAULT_SERVICE_OPTIONS.paymentRecoveryAfterMs });
  return {
    database,
    db,
    cipher,
    providers,
    effects,
    clock,
    recovery,
    async close() {
      await db.close();
      await database.drop();
    },
  };
}

/** 10:00 in Shanghai on a date, as epoch ms. */
export const shanghai = (date: string, time = '10:00'): number => Date.parse(`${date}T${time}:00+08:00`);

let serial = 0;
export const key = (label: string): string => `${label}-${process.pid}-${++serial}`;

/** Spies on every data source a pull would call (bureau, government, bank); the identity verifier is not among them. */
export function spyOnDataSources(p: Providers) {
  return [
    vi.spyOn(p.creditBureau, 'report'),
    vi.spyOn(p.government, 'housingFund'),
    vi.spyOn(p.government, 'socialSecurity'),
    vi.spyOn(p.government, 'tax'),
    vi.spyOn(p.government, 'businessRegistry'),
    vi.spyOn(p.bank, 'relationship'),
  ];
}

/** Narrows a submission to a new application (the test fails with what came back otherwise). */
export function asSubmitted(output: SubmitApplicationOutput): Extract<SubmitApplicationOutput, { status: 'submitted' }> {
  if (output.status !== 'submitted') throw new Error(`expected a new application, got ${JSON.stringify(output)}`);
  return output;
}

/** The application a submission goes on with: the new one, or the one in progress it was shown. */
export function applicationOf(output: SubmitApplicationOutput): { borrowerId: string; applicationId: string } {
  if (output.status === 'submitted') return output;
  if (output.status === 'existing' && output.applicationId) return { borrowerId: output.borrowerId, applicationId: output.applicationId };
  throw new Error(`expected an application to go on with, got ${JSON.stringify(output)}`);
}

/** A submitApplication input for a demo persona. */
export function personaApplication(persona: DemoPersonaKey, at: number, overrides: Partial<SubmitApplicationInput> = {}): SubmitApplicationInput {
  const p = demoPersona(persona);
  return {
    conversationId: 'c-' + persona,
    channel: 'web',
    productId: p.productId,
    name: p.profile.person.name,
    idNumber: p.profile.person.idNumber,
    mobile: p.profile.person.mobile,
    ...(p.profile.enterprise ? { enterprise: p.profile.enterprise } : {}),
    purpose: p.profile.request.purpose,
    purposeDetail: '经营周转',
    requestedAmount: p.profile.request.amount,
    idempotencyKey: key('submit'),
    at,
    ...overrides,
  };
}

/** Takes a persona from submission to an accepted offer and returns the ids and the line. */
export async function openLineFor(h: ServicesHarness, persona: DemoPersonaKey, at: number, overrides: Partial<SubmitApplicationInput> = {}) {
  const p = demoPersona(persona);
  const product = DEMO_PRODUCTS.find((x) => x.id === p.productId)!;
  let submitted = await h.effects.submitApplication(personaApplication(persona, at, overrides));
  if (submitted.status === 'existing' && submitted.situation === 'has_line') {
    // One open line per person and product: a persona given a line by an earlier test has it closed
    // here, so every test starts from a fresh line.
    await h.db.prisma.creditLine.updateMany({ where: { borrowerId: submitted.borrowerId, status: { in: ['active', 'frozen'] } }, data: { status: 'closed' } });
    submitted = await h.effects.submitApplication(personaApplication(persona, at, overrides));
  }
  const s = { ...applicationOf(submitted), borrowerName: submitted.status === 'identity_mismatch' ? '' : submitted.borrowerName };
  const sources = [...product.dataSources.required, ...product.dataSources.optional];
  await h.effects.recordConsent({ borrowerId: s.borrowerId, applicationId: s.applicationId, conversationId: 'c', channel: 'web', granted: sources, refused: [], textVersion: 'auth-1', text: '授权', idempotencyKey: key('consent'), at });
  const pulled = await h.effects.pullData({ borrowerId: s.borrowerId, applicationId: s.applicationId, sources, idempotencyKey: key('pull'), at });
  if (!pulled.ok) throw new Error(JSON.stringify(pulled));
  const decided = decideApplication(product, pulled.profile, shanghaiDateOf(at));
  if (!decided.ok) throw new Error(decided.error.message);
  const { decisionId } = await h.effects.recordDecision({ applicationId: s.applicationId, decision: decided.value, offerExpiresAt: at + 7 * 86_400_000, at });
  if (decided.value.outcome !== 'approved') return { ...s, decisionId, decision: decided.value, line: null };
  const accepted = await h.effects.acceptOffer({ applicationId: s.applicationId, borrowerId: s.borrowerId, decisionId, termsVersion: 't1', termsText: '条款', idempotencyKey: key('accept'), at });
  if (!accepted.ok) throw new Error(accepted.reason);
  return { ...s, decisionId, decision: decided.value, line: accepted.line };
}
