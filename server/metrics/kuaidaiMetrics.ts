import { Counter, Histogram, type Registry } from 'prom-client';
import type { TurnObserver } from '../runtime/turnTrace.js';
import { ScrapeGauges, type ScrapeSource } from './scrapeGauges.js';

/** Seconds; a turn is milliseconds when well and up to 2 × TURN_SETTLE_TIMEOUT_MS + 5 s when not. */
const TURN_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const EFFECT_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export type EffectResult = 'ok' | 'refused' | 'error';
export type JobResult = 'completed' | 'failed' | 'dead_lettered';
export type DeliveryResult = 'delivered' | 'retry' | 'failed';

/**
 * The server's own metrics (prefix `kuaidai_`) on one registry. What happens on a hot path is a
 * counter or histogram update (O(1), a few small label objects); what needs the database is read
 * only when Prometheus scrapes (ScrapeGauges). docs/operations.md lists every metric.
 */
export class KuaidaiMetrics {
  private readonly turns: Counter<'channel' | 'kind' | 'outcome'>;
  private readonly turnSeconds: Histogram<'channel' | 'kind'>;
  private readonly effects: Counter<'effect' | 'result'>;
  private readonly effectSeconds: Histogram<'effect'>;
  private readonly deliveries: Counter<'channel' | 'result'>;
  private readonly jobs: Counter<'queue' | 'result'>;
  private readonly gauges: ScrapeGauges;

  constructor(readonly registry: Registry) {
    const registers = [registry];
    this.turns = new Counter({ name: 'kuaidai_conversation_turns_total', help: 'Conversation turns by channel, kind (message: a borrower message; event: staff, deadline or system) and outcome', labelNames: ['channel', 'kind', 'outcome'], registers });
    this.turnSeconds = new Histogram({ name: 'kuaidai_conversation_turn_duration_seconds', help: 'Conversation turn duration, lock wait included, by channel and kind', labelNames: ['channel', 'kind'], buckets: TURN_BUCKETS, registers });
    this.effects = new Counter({ name: 'kuaidai_effects_total', help: 'Effects the conversation machines called, by effect and result (ok; refused: an answer with ok=false; error: it threw)', labelNames: ['effect', 'result'], registers });
    this.effectSeconds = new Histogram({ name: 'kuaidai_effect_duration_seconds', help: 'Effect duration by effect', labelNames: ['effect'], buckets: EFFECT_BUCKETS, registers });
    this.deliveries = new Counter({ name: 'kuaidai_outbox_deliveries_total', help: 'Outbox delivery attempts of push channels by channel and result (delivered; retry: rescheduled; failed: given up)', labelNames: ['channel', 'result'], registers });
    this.jobs = new Counter({ name: 'kuaidai_job_results_total', help: 'pg-boss jobs this process ran, by queue and result (completed; failed: to be retried; dead_lettered: the last retry failed)', labelNames: ['queue', 'result'], registers });
    this.gauges = new ScrapeGauges(registry);
  }

  /** For ConversationRuntime's `observeTurn`. */
  readonly observeTurn: TurnObserver = (channel, kind, outcome, seconds) => {
    this.turns.inc({ channel, kind, outcome });
    this.turnSeconds.observe({ channel, kind }, seconds);
  };

  readonly observeEffect = (effect: string, result: EffectResult, seconds: number): void => {
    this.effects.inc({ effect, result });
    this.effectSeconds.observe({ effect }, seconds);
  };

  /** For OutboxDeliverer's `observeDelivery`. */
  readonly observeDelivery = (channel: string, result: DeliveryResult): void => {
    this.deliveries.inc({ channel, result });
  };

  /** For JobRunner's `observeJob`. */
  readonly observeJob = (queue: string, result: JobResult): void => {
    this.jobs.inc({ queue, result });
  };

  /** The exposition text, the scrape-time gauges reading `source` (the app's database; by default the latest watching). */
  async render(source?: ScrapeSource): Promise<{ contentType: string; body: string }> {
    const body = source ? await this.gauges.during(source, () => this.registry.metrics()) : await this.registry.metrics();
    return { contentType: this.registry.contentType, body };
  }

  /**
   * Reads outbox, due-at rows and pg-boss queues from this database at scrape time, until the
   * returned function is called (the app closes). With several (tests booting apps), the latest.
   */
  watch(source: ScrapeSource): () => void {
    return this.gauges.watch(source);
  }
}
