import { demoPersona } from '../../core/index.js';
import type { BehaviourDataProvider, BehaviourObservation } from '../../server/providers/index.js';

/** A monitoring feed for job tests: fixed observations by ID number, nobody else observed. */
export function fixedFeed(byIdNumber: Readonly<Record<string, BehaviourObservation>>): BehaviourDataProvider {
  return { name: 'test-feed', observe: async (q) => ({ ok: true, data: byIdNumber[q.idNumber] ?? null }) };
}

/** What would make a borrower red: a business listed as operating abnormally, a new lawsuit, deposits down 80 %, three more lenders, seven inquiries. */
export const TROUBLED: BehaviourObservation = {
  depositBalance: 8_000_000,
  depositAvg6m: 40_000_000,
  newCourtRecords: 1,
  courtDefaulter: false,
  businessStatus: 'abnormal',
  unsettledLendersAtApproval: 2,
  unsettledLendersNow: 5,
  hardInquiries3m: 7,
};

export const HEALTHY: BehaviourObservation = { depositBalance: 15_200_000, depositAvg6m: 15_000_000, newCourtRecords: 0, courtDefaulter: false, unsettledLendersAtApproval: 1, unsettledLendersNow: 1, hardInquiries3m: 1 };

/** The excellent persona healthy, the enterprise owner troubled. */
export const troubledEnterpriseFeed = (): BehaviourDataProvider =>
  fixedFeed({ [demoPersona('excellent').profile.person.idNumber]: HEALTHY, [demoPersona('enterprise_owner').profile.person.idNumber]: TROUBLED });
