import type { Logger } from 'pino';
import { maskIdNumber, type DemoPersonaKey } from '../../core/index.js';
import { sandboxFileFor } from './sandboxFiles.js';
import type { BehaviourDataProvider, BehaviourObservation, BehaviourQuery, ProviderResult } from './types.js';

/**
 * What the sandbox's monitoring feeds say about the demo personas after their loan (SYNTHETIC,
 * fixed): the excellent file and the enterprise owner stay healthy (she is the renewal demo's
 * borrower); the thin file's deposits fall by 80 %, she borrows from four more lenders and her
 * inquiries climb, so her behaviour score falls to red — the demo's warning that freezes a line.
 * Anyone else is not observed: `data: null`, never made up.
 */
const OBSERVATIONS: Readonly<Partial<Record<DemoPersonaKey, BehaviourObservation>>> = {
  excellent: { depositBalance: 15_200_000, depositAvg6m: 15_000_000, newCourtRecords: 0, courtDefaulter: false, unsettledLendersAtApproval: 1, unsettledLendersNow: 1, hardInquiries3m: 1 },
  thin_file: { depositBalance: 1_200_000, depositAvg6m: 6_000_000, newCourtRecords: 0, courtDefaulter: false, unsettledLendersAtApproval: 0, unsettledLendersNow: 4, hardInquiries3m: 7 },
  enterprise_owner: {
    depositBalance: 41_000_000,
    depositAvg6m: 40_000_000,
    newCourtRecords: 0,
    courtDefaulter: false,
    businessStatus: 'active',
    unsettledLendersAtApproval: 2,
    unsettledLendersNow: 2,
    hardInquiries3m: 1,
  },
};

/** Sandbox post-loan monitoring: the demo personas' observations above, nothing for anyone else. */
export class SandboxBehaviourData implements BehaviourDataProvider {
  readonly name = 'sandbox-behaviour-data';
  constructor(private readonly logger: Pick<Logger, 'info'>) {}
  async observe(query: BehaviourQuery): Promise<ProviderResult<BehaviourObservation>> {
    const persona = sandboxFileFor(query.idNumber)?.persona ?? null;
    const data = persona ? (OBSERVATIONS[persona.key] ?? null) : null;
    this.logger.info({ provider: this.name, found: data !== null }, `[sandbox] post-loan observation for ${maskIdNumber(query.idNumber)}: ${persona ? `persona ${persona.key}` : 'not observed'}`);
    return { ok: true, data };
  }
}
