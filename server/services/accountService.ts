import { shanghaiDateOf, type CreditLine } from '../../core/index.js';
import type { AccountView, FlowEffects, PendingOffer } from '../../flows/host.js';
import { lineView } from './creditLineStore.js';
import { fromBp, fromPpm, toFen } from './persistence.js';
import type { ServiceContext } from './serviceDeps.js';

/**
 * The borrower's account as of the Shanghai date of `at`: every line summarised by core
 * (summarizeCreditLine, payoffQuote; nothing is saved), newest first, and the latest approved
 * offer not yet accepted or expired.
 */
export function accountEffects(ctx: ServiceContext): Pick<FlowEffects, 'loadAccount'> {
  const { db, products } = ctx;
  return {
    async loadAccount({ borrowerId, at }) {
      const on = shanghaiDateOf(at);
      const rows = await db.prisma.creditLine.findMany({ where: { borrowerId }, orderBy: { createdAt: 'desc' } });
      const lines = rows
        .filter((row) => row.state !== null)
        .map((row) => lineView(row, row.state as unknown as CreditLine, products.find((p) => p.id === row.productId), on));
      const offer = await db.prisma.application.findFirst({
        where: { borrowerId, status: 'decided', offerExpiresAt: { gt: new Date(at) } },
        orderBy: { updatedAt: 'desc' },
        include: { decisions: { orderBy: { createdAt: 'desc' }, take: 1 } },
      });
      const decision = offer?.decisions[0];
      let pendingOffer: PendingOffer | undefined;
      if (offer && decision && decision.outcome === 'approved' && decision.limitFen !== null && decision.ratePpm !== null && offer.offerExpiresAt) {
        pendingOffer = {
          applicationId: offer.id,
          decisionId: decision.id,
          productId: offer.productId,
          limit: toFen(decision.limitFen),
          annualRate: fromPpm(decision.ratePpm),
          aprSimple: fromBp(decision.aprSimpleBp ?? 0),
          aprCompound: fromBp(decision.aprCompoundBp ?? 0),
          offerExpiresAt: offer.offerExpiresAt.getTime(),
        };
      }
      const view: AccountView = { borrowerId, lines, ...(pendingOffer ? { pendingOffer } : {}) };
      return view;
    },
  };
}
