import { shanghaiDateOf, type CreditLine } from '../../core/index.js';
import type { AccountView, ApplicationStatusView, FlowEffects, LineView, PendingOffer } from '../../flows/host.js';
import { Prisma } from '../db/generated/client.js';
import { lineView } from './creditLineStore.js';
import { fromBp, fromPpm, queryOne, toFen } from './persistence.js';
import type { ServiceContext } from './serviceDeps.js';
import { workOrderStatus } from './workOrderEffects.js';

/** What loadAccount reads in one statement: the lines newest first, and the latest live offer (columns null when none). */
interface AccountRead {
  readonly lines: { id: string; productId: string; state: CreditLine; freezeReason: LineView['freezeReason'] }[];
  readonly applicationId: string | null;
  readonly productId: string | null;
  readonly offerExpiresAt: Date | null;
  readonly decisionId: string | null;
  readonly outcome: string | null;
  readonly limitFen: bigint | null;
  readonly ratePpm: number | null;
  readonly aprSimpleBp: number | null;
  readonly aprCompoundBp: number | null;
  /** The borrower's latest application (any product), its latest decision and, under review, the review's deadline. */
  readonly latestId: string | null;
  readonly latestProductId: string | null;
  readonly latestStatus: string | null;
  readonly latestAt: Date | null;
  readonly latestOfferExpiresAt: Date | null;
  readonly latestOutcome: string | null;
  readonly reviewDueAt: Date | null;
  /** Open work orders (complaints, requests for a person; manual reviews are told as the application's status), newest first. */
  readonly workOrders: { number: string; kind: 'handoff' | 'complaint' | 'manual'; status: 'open' | 'assigned' | 'in_progress'; createdAt: number; firstResponseDueAt: number | null; firstRespondedAt: number | null; dueAt: number }[];
}

const epochMsOf = (column: string) => Prisma.raw(`floor(extract(epoch from ${column}) * 1000)::bigint`);

/**
 * The borrower's account as of the Shanghai date of `at`: every line summarised by core
 * (summarizeCreditLine, payoffQuote; nothing is saved), newest first, the latest approved offer
 * not yet accepted or expired, and where their latest application stands (submitted, under review
 * with the review's deadline, approved and waiting, declined). One read statement (json_agg, not
 * jsonb_agg: the states are passed through as text rather than rebuilt).
 */
export function accountEffects(ctx: ServiceContext): Pick<FlowEffects, 'loadAccount'> {
  const { db, products } = ctx;
  return {
    async loadAccount({ borrowerId, at }) {
      const on = shanghaiDateOf(at);
      const read = await queryOne<AccountRead>(
        db.raw,
        Prisma.sql`SELECT
          (SELECT COALESCE(json_agg(json_build_object('id', l.id, 'productId', l."productId", 'state', l.state, 'freezeReason', l."freezeReason") ORDER BY l."createdAt" DESC), '[]'::json)
            FROM "CreditLine" l WHERE l."borrowerId" = ${borrowerId}::uuid AND l.state IS NOT NULL) AS lines,
          (SELECT COALESCE(json_agg(json_build_object('number', w.number, 'kind', w.kind, 'status', w.status, 'createdAt', ${epochMsOf('w."createdAt"')},
              'firstResponseDueAt', ${epochMsOf('w."firstResponseDueAt"')}, 'firstRespondedAt', ${epochMsOf('w."firstRespondedAt"')}, 'dueAt', ${epochMsOf('w."dueAt"')}) ORDER BY w."createdAt" DESC), '[]'::json)
            FROM "WorkItem" w WHERE w."borrowerId" = ${borrowerId}::uuid AND w.number IS NOT NULL AND w.kind <> 'manual_review' AND w.status IN ('open', 'assigned', 'in_progress')) AS "workOrders",
          o.id AS "applicationId", o."productId", o."offerExpiresAt",
          d.id AS "decisionId", d.outcome::text AS outcome, d."limitFen", d."ratePpm", d."aprSimpleBp", d."aprCompoundBp", la.*
          FROM (SELECT 1) AS one
          LEFT JOIN LATERAL (SELECT a.id, a."productId", a."offerExpiresAt" FROM "Application" a
            WHERE a."borrowerId" = ${borrowerId}::uuid AND a.status = 'decided' AND a."offerExpiresAt" > ${new Date(at)}::timestamptz ORDER BY a."updatedAt" DESC LIMIT 1) AS o ON true
          LEFT JOIN LATERAL (SELECT * FROM "Decision" x WHERE x."applicationId" = o.id ORDER BY x."createdAt" DESC LIMIT 1) AS d ON true
          LEFT JOIN LATERAL (SELECT a.id AS "latestId", a."productId" AS "latestProductId", a.status::text AS "latestStatus", a."createdAt" AS "latestAt", a."offerExpiresAt" AS "latestOfferExpiresAt",
              (SELECT x.outcome::text FROM "Decision" x WHERE x."applicationId" = a.id ORDER BY x."createdAt" DESC LIMIT 1) AS "latestOutcome",
              (SELECT w."dueAt" FROM "WorkItem" w WHERE w."applicationId" = a.id AND w.kind = 'manual_review' AND w.status NOT IN ('resolved', 'closed') ORDER BY w."createdAt" DESC LIMIT 1) AS "reviewDueAt"
            FROM "Application" a WHERE a."borrowerId" = ${borrowerId}::uuid AND a.status <> 'draft' ORDER BY a."createdAt" DESC LIMIT 1) AS la ON true`,
      );
      const lines = read.lines.map((row) => {
        const view = lineView(row, row.state, products.find((p) => p.id === row.productId), on);
        return view.status === 'frozen' ? { ...view, freezeReason: row.freezeReason ?? null } : view;
      });
      let pendingOffer: PendingOffer | undefined;
      if (read.applicationId && read.decisionId && read.outcome === 'approved' && read.limitFen !== null && read.ratePpm !== null && read.offerExpiresAt) {
        pendingOffer = {
          applicationId: read.applicationId,
          decisionId: read.decisionId,
          productId: read.productId!,
          limit: toFen(read.limitFen),
          annualRate: fromPpm(read.ratePpm),
          aprSimple: fromBp(read.aprSimpleBp ?? 0),
          aprCompound: fromBp(read.aprCompoundBp ?? 0),
          offerExpiresAt: read.offerExpiresAt.getTime(),
        };
      }
      const application = applicationStatus(read, at);
      const workOrders = read.workOrders.map((w) => workOrderStatus({ ...w, resolvedAt: null }));
      const view: AccountView = { borrowerId, lines, ...(pendingOffer ? { pendingOffer } : {}), ...(application ? { application } : {}), ...(workOrders.length ? { workOrders } : {}) };
      return view;
    },
  };
}

/** Where the latest application stands for its borrower; undefined once it led to a line, was withdrawn or lapsed. */
function applicationStatus(read: AccountRead, at: number): ApplicationStatusView | undefined {
  if (!read.latestId || !read.latestProductId || !read.latestAt) return undefined;
  const base = { applicationId: read.latestId, productId: read.latestProductId, submittedAt: read.latestAt.getTime() };
  if (read.latestStatus === 'submitted') return { ...base, status: 'submitted' };
  if (read.latestStatus !== 'decided') return undefined;
  switch (read.latestOutcome) {
    case 'manual_review':
      return { ...base, status: 'under_review', ...(read.reviewDueAt ? { reviewDueAt: read.reviewDueAt.getTime() } : {}) };
    case 'declined':
      return { ...base, status: 'declined' };
    case 'approved':
      return read.latestOfferExpiresAt && read.latestOfferExpiresAt.getTime() > at ? { ...base, status: 'offer_pending' } : undefined;
    default:
      return undefined;
  }
}
