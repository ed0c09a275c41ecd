import type { Logger } from 'pino';
import { createConversationSpec, type ConversationSpec } from '../flows/index.js';
import { loadCatalog } from './catalog/index.js';
import type { Clock } from './clock.js';
import type { Config } from './config/index.js';
import type { Database } from './db/index.js';
import type { Providers } from './providers/index.js';
import type { FieldCipher } from './security/fieldCipher.js';
import { instrumentEffects, processMetrics } from './metrics/index.js';
import { createFlowEffects, serviceOptionsFromConfig } from './services/index.js';

export interface ConversationContext {
  readonly config: Config;
  readonly db: Database;
  readonly cipher: FieldCipher;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The configured providers (bootServer makes them: the sandbox, or the bank's passed to it). */
  readonly providers: Providers;
  /** Tells the staff consoles a work order opened or changed (hand-off requests, complaints); nothing when absent. */
  readonly publishWorkOrder?: ((event: { readonly kind: 'workOrder'; readonly id: string }) => void) | undefined;
}

/**
 * The lending conversation as `npm start` runs it: the configured products and FAQ, the services
 * on this database, and the configured providers (the sandbox by default; a bank passes its own
 * to bootServer as `providers`).
 */
export async function createLendingConversation(ctx: ConversationContext): Promise<ConversationSpec> {
  const { products, faq } = await loadCatalog(ctx.config);
  // Each effect counted by result and timed (GET /metrics); answers and errors pass through unchanged.
  const effects = instrumentEffects(createFlowEffects({ db: ctx.db, cipher: ctx.cipher, clock: ctx.clock, logger: ctx.logger, providers: ctx.providers, products, options: serviceOptionsFromConfig(ctx.config), publishWorkOrder: ctx.publishWorkOrder }), processMetrics().observeEffect);
  return createConversationSpec({ effects, products, faq, settings: { publicBaseUrl: ctx.config.publicBaseUrl } });
}
