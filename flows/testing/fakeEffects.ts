import {
  addBusinessMinutes,
  DEFAULT_BUSINESS_CALENDAR,
  DEMO_PERSONAS,
  drawFromCreditLine,
  lineOutstandingPrincipal,
  openCreditLine,
  payNextInstallment,
  priceReviewedOffer,
  reviewBounds,
  renewCreditLine,
  renewedValidUntil,
  payoffQuote,
  payOffCreditLine,
  repayCreditLine,
  shanghaiDateOf,
  summarizeCreditLine,
  type ApplicantProfile,
  type CreditDecision,
  type CreditLine,
  type DataSource,
  type Product,
} from '../../core/index.js';
import type { AccountView, ApplicationStatusView, FlowEffects, LineView, PendingOffer, SubmitApplicationInput, WorkOrderStatus } from '../host.js';

/**
 * In-memory effects for testing the machines without a database: honest about what they do (they
 * run core/'s credit-line functions) but keep everything in maps. The server's services are the
 * real implementation.
 */
export interface FakeEffects extends FlowEffects {
  readonly calls: { name: keyof FlowEffects; input: unknown }[];
  readonly lines: Map<string, CreditLine>;
  /** Set to make the next collections fail with insufficient funds. */
  cardBalance: number;
  /** Demo code every OTP gets. */
  readonly otp: string;
  /** A copy of everything the effects hold, to start other effects from (a model test forks a conversation with it). */
  saved(): FakeStore;
  /**
   * A reviewer decides the latest application in manual review, as the server's review service does:
   * approved with the reviewed limit and rate (its APR quoted by core), or declined. Answers the
   * application and, approved, the offer the borrower's conversation is sent.
   */
  decideReview(input: { outcome: 'approved'; limit: number; annualRate: number; at: number } | { outcome: 'declined'; at: number }): { applicationId: string; offer?: PendingOffer };
  /** The renewal screening's invitation for a line (as the renewal job records it), for the renewal flow's tests. */
  inviteRenewal(lineId: string): void;
}

/** What the fake host holds: plain data (maps of plain objects), so it can be copied. */
export interface FakeStore {
  readonly borrowers: Map<string, { id: string; name: string; idNumber: string; mobile: string }>;
  readonly applications: Map<string, SubmitApplicationInput & { id: string; borrowerId: string; decision?: CreditDecision; decisionId?: string; decidedAt?: number; offerExpiresAt?: number | null; status: string }>;
  readonly consents: Map<string, Set<DataSource>>;
  readonly lines: Map<string, CreditLine>;
  readonly lineOwner: Map<string, { borrowerId: string; productId: string }>;
  readonly done: Map<string, unknown>;
  seq: number;
  cardBalance: number;
  /** Step-up codes sent and not yet used: conversation → the act they allow. */
  stepUps: Map<string, string>;
  /** Work orders by number (complaints the borrower opened), with whose they are. */
  workOrders?: Map<string, WorkOrderStatus & { conversationId: string; borrowerId?: string }>;
  /** Renewal invitations by line and period (`lineId:validUntil`), and the text version of each consent (borrower → source → version). */
  renewals?: Map<string, { lineId: string; validUntil: string; status: 'invited' | 'accepted' | 'declined'; decision?: { id: string; approved: boolean; limit: number; rate: number } }>;
  consentVersions?: Map<string, Map<DataSource, string>>;
  /** Pre-credit entries (一键激活) by id: whitelisted people with their pre-approved limit. */
  precredit?: Map<string, { idNumber: string; productId: string; limit: number; annualRate: number; expiresAt: number; activatedBy?: string }>;
}

/** Effects over a new, empty store, or over a copy of `from` (another one's `saved()`). */
export function createFakeEffects(products: readonly Product[], from?: FakeStore): FakeEffects {
  const calls: FakeEffects['calls'] = [];
  const store: FakeStore = from
    ? structuredClone(from)
    : { borrowers: new Map(), applications: new Map(), consents: new Map(), lines: new Map(), lineOwner: new Map(), done: new Map(), seq: 0, cardBalance: Number.MAX_SAFE_INTEGER, stepUps: new Map() };
  const { borrowers, applications, consents, lines, lineOwner, done, stepUps } = store;
  const id = (p: string) => `${p}-${++store.seq}`;
  const once = async <T>(key: string, f: () => T | Promise<T>): Promise<T> => {
    if (!done.has(key)) done.set(key, await f());
    return done.get(key) as T;
  };
  const product = (pid: string) => products.find((p) => p.id === pid)!;

  const view = (lineId: string, at: number): LineView => {
    const line = lines.get(lineId)!;
    const on = shanghaiDateOf(at);
    const s = summarizeCreditLine(line, on);
    if (!s.ok) throw new Error(s.error.message);
    const p = product(lineOwner.get(lineId)!.productId);
    const q = payoffQuote(line, { on });
    return {
      lineId,
      productId: p.id,
      productNameZh: p.nameZh,
      productNameEn: p.nameEn,
      status: line.status,
      limit: line.limit,
      available: line.available,
      outstanding: lineOutstandingPrincipal(line),
      annualRate: line.annualRate,
      validUntil: line.validUntil,
      methods: [...p.repaymentMethods],
      terms: [...p.termsMonths],
      minDraw: 100_000,
      dueNow: s.value.dueNow,
      overdue: s.value.overdue,
      daysPastDue: s.value.daysPastDue,
      nextDue: s.value.nextDue,
      payoffToday: q.ok ? q.value.total : 0,
      drawdowns: line.drawdowns.map((d) => {
        const ds = s.value.drawdowns.find((x) => x.id === d.id)!;
        const dq = payoffQuote(line, { on, drawdownId: d.id });
        return {
          drawdownId: d.id,
          reference: d.id,
          drawnOn: d.drawnOn,
          principal: d.principal,
          outstanding: ds.outstandingPrincipal,
          method: d.method,
          termMonths: d.termMonths,
          annualRate: d.annualRate,
          dueNow: ds.dueNow,
          nextDue: ds.nextDue,
          payoffToday: dq.ok ? dq.value.total : 0,
          status: d.status,
        };
      }),
    };
  };

  const record = <K extends keyof FlowEffects>(name: K, f: FlowEffects[K]): FlowEffects[K] =>
    (async (input: Parameters<FlowEffects[K]>[0]) => {
      calls.push({ name, input });
      return (f as (i: typeof input) => unknown)(input);
    }) as FlowEffects[K];

  const effects: FakeEffects = {
    calls,
    lines,
    get cardBalance() {
      return store.cardBalance;
    },
    set cardBalance(fen: number) {
      store.cardBalance = fen;
    },
    otp: '123456',
    saved: () => structuredClone(store),
    decideReview(input) {
      const app = [...applications.values()].reverse().find((a) => a.status === 'decided' && a.decision?.outcome === 'manual_review');
      if (!app) throw new Error('no application in manual review');
      if (input.outcome === 'declined') {
        app.decision = { ...app.decision!, outcome: 'declined', limit: 0, rate: null, apr: null };
        app.decisionId = id('d');
        return { applicationId: app.id };
      }
      const p = product(app.productId);
      const priced = priceReviewedOffer(reviewBounds(p, { provisionalLimit: app.decision!.limit, purpose: app.purpose }), {
        limit: input.limit,
        annualRate: input.annualRate,
        termMonths: app.decision!.termMonths,
        repaymentMethod: app.decision!.repaymentMethod,
        asOf: shanghaiDateOf(input.at),
      });
      if (!priced.ok) throw new Error(priced.error.message);
      const { apr, offerExpiresOn } = priced.value;
      const [y, m, d] = offerExpiresOn.split('-').map(Number) as [number, number, number];
      app.decision = { ...app.decision!, outcome: 'approved', limit: input.limit, rate: input.annualRate, apr };
      app.decisionId = id('d');
      app.offerExpiresAt = Date.UTC(y, m - 1, d + 1) - 8 * 3_600_000;
      const offer: PendingOffer = { applicationId: app.id, decisionId: app.decisionId, productId: app.productId, limit: input.limit, annualRate: input.annualRate, aprSimple: apr.simple, aprCompound: apr.compound, offerExpiresAt: app.offerExpiresAt };
      return { applicationId: app.id, offer };
    },
    // As the host does: a known ID number with another name is no match, and no code is sent.
    sendOtp: record('sendOtp', async ({ identity, at }) => {
      const known = identity && [...borrowers.values()].find((b) => b.idNumber === identity.idNumber);
      if (known && identity && known.name !== identity.name.trim()) return { ok: false, reason: 'identity_mismatch' };
      return { ok: true, expiresAt: at + 5 * 60_000 };
    }),
    verifyOtp: record('verifyOtp', async ({ code }) => ({ result: code === '123456' ? 'ok' : 'wrong' })),
    // As the host does: a step-up code is valid once, for the act it was sent for.
    sendStepUp: record('sendStepUp', async ({ conversationId, bindTo, at }) => {
      stepUps.set(conversationId, bindTo);
      return { ok: true, expiresAt: at + 5 * 60_000, mobileMasked: '138****8000' };
    }),
    verifyStepUp: record('verifyStepUp', async ({ conversationId, bindTo, code }) => {
      if (stepUps.get(conversationId) !== bindTo) return { result: 'expired' };
      if (code !== '123456') return { result: 'wrong' };
      stepUps.delete(conversationId);
      return { result: 'ok' };
    }),
    // As the host does: an unexpired, not yet activated entry for this ID number and product.
    findPrecreditOffer: record('findPrecreditOffer', async ({ productId, idNumber, at }) => {
      for (const [entryId, e] of store.precredit ?? []) {
        if (e.idNumber === idNumber && e.productId === productId && !e.activatedBy && e.expiresAt > at) return { found: true, entryId, limit: e.limit, annualRate: e.annualRate, expiresAt: e.expiresAt };
      }
      return { found: false };
    }),
    submitApplication: record('submitApplication', (input) =>
      once(input.idempotencyKey, () => {
        const existing = [...borrowers.values()].find((b) => b.idNumber === input.idNumber);
        // As the host does: another name with a known ID number does not verify; a person with a line is shown it.
        if (existing && existing.name !== input.name.trim()) return { status: 'identity_mismatch' as const };
        if (existing && [...lineOwner.values()].some((o) => o.borrowerId === existing.id)) {
          return { status: 'existing' as const, situation: 'has_line' as const, borrowerId: existing.id, borrowerName: existing.name, productId: input.productId };
        }
        const reviewed = existing && [...applications.values()].find((a) => a.borrowerId === existing.id && a.status === 'decided' && a.decision?.outcome === 'manual_review');
        if (existing && reviewed) {
          return { status: 'existing' as const, situation: 'under_review' as const, borrowerId: existing.id, borrowerName: existing.name, productId: input.productId, applicationId: reviewed.id };
        }
        const borrower = existing ?? { id: id('b'), name: input.name, idNumber: input.idNumber, mobile: input.mobile };
        borrowers.set(borrower.id, borrower);
        const app = { ...input, id: id('app'), borrowerId: borrower.id, status: 'submitted' };
        applications.set(app.id, app);
        const entry = input.precreditEntryId ? store.precredit?.get(input.precreditEntryId) : undefined;
        const activating = entry && !entry.activatedBy && entry.idNumber === input.idNumber && entry.expiresAt > input.at ? { precreditEntryId: input.precreditEntryId! } : {};
        return { status: 'submitted' as const, borrowerId: borrower.id, applicationId: app.id, borrowerName: borrower.name, ...activating };
      }),
    ),
    recordConsent: record('recordConsent', (input) =>
      once(input.idempotencyKey, () => {
        consents.set(input.borrowerId, new Set([...(consents.get(input.borrowerId) ?? []), ...input.granted]));
        const versions = ((store.consentVersions ??= new Map()).get(input.borrowerId) ?? new Map<DataSource, string>());
        for (const source of input.granted) versions.set(source, input.textVersion);
        store.consentVersions.set(input.borrowerId, versions);
        return { consentIds: input.granted.map(() => id('c')) };
      }),
    ),
    revokeConsent: record('revokeConsent', async ({ borrowerId, sources }) => {
      const had = consents.get(borrowerId) ?? new Set();
      const revoked = sources.filter((s) => had.has(s));
      for (const s of revoked) had.delete(s);
      return { revoked };
    }),
    pullData: record('pullData', async ({ borrowerId, applicationId, sources }) => {
      const granted = consents.get(borrowerId) ?? new Set();
      const missing = sources.filter((s) => !granted.has(s));
      if (missing.length) return { ok: false, reason: 'consent_missing', sources: missing };
      const app = applications.get(applicationId)!;
      const persona = DEMO_PERSONAS[app.idNumber];
      if (!persona) return { ok: false, reason: 'provider_unavailable', detail: 'fake effects only know the demo personas' };
      const p = product(app.productId);
      const profile: ApplicantProfile = {
        ...persona.profile,
        person: { name: app.name, idNumber: app.idNumber, mobile: app.mobile },
        request: { amount: app.requestedAmount, termMonths: p.termsMonths.includes(12) ? 12 : p.termsMonths[0]!, repaymentMethod: p.repaymentMethods[0]!, purpose: app.purpose },
        sources: Object.fromEntries(Object.entries(persona.profile.sources).filter(([k]) => granted.has(k as DataSource))),
      };
      return { ok: true, profile };
    }),
    recordDecision: record('recordDecision', async ({ applicationId, decision, offerExpiresAt, at }) => {
      const app = applications.get(applicationId)!;
      app.decision = decision;
      app.decisionId = id('d');
      app.decidedAt = at;
      app.offerExpiresAt = offerExpiresAt;
      app.status = 'decided';
      return { decisionId: app.decisionId };
    }),
    acceptOffer: record('acceptOffer', (input) =>
      once(input.idempotencyKey, () => {
        const app = applications.get(input.applicationId)!;
        if (app.offerExpiresAt !== null && app.offerExpiresAt !== undefined && input.at >= app.offerExpiresAt) return { ok: false as const, reason: 'expired' as const };
        const lineId = id('line');
        const opened = openCreditLine({ id: lineId, limit: app.decision!.limit, annualRate: app.decision!.rate!, validFrom: shanghaiDateOf(input.at) });
        if (!opened.ok) throw new Error(opened.error.message);
        lines.set(lineId, opened.value.line);
        lineOwner.set(lineId, { borrowerId: input.borrowerId, productId: app.productId });
        app.status = 'accepted';
        // 一键激活: the entry the application activates is marked once.
        const entry = app.precreditEntryId ? store.precredit?.get(app.precreditEntryId) : undefined;
        if (entry && !entry.activatedBy) entry.activatedBy = app.id;
        return { ok: true as const, line: view(lineId, input.at) };
      }),
    ),
    closeOffer: record('closeOffer', async ({ applicationId, status }) => {
      applications.get(applicationId)!.status = status;
      return { ok: true };
    }),
    loadAccount: record('loadAccount', async ({ borrowerId, at }): Promise<AccountView> => {
      // As the host reads it: the latest application, while open or declined, and an approved offer not yet accepted.
      const latest = [...applications.values()].filter((a) => a.borrowerId === borrowerId).at(-1);
      const outcome = latest?.decision?.outcome;
      const offerOpen = latest?.status === 'decided' && outcome === 'approved' && (latest.offerExpiresAt ?? Infinity) > at;
      const status: ApplicationStatusView['status'] | undefined =
        latest?.status === 'submitted' ? 'submitted' : latest?.status !== 'decided' ? undefined : outcome === 'manual_review' ? 'under_review' : outcome === 'declined' ? 'declined' : offerOpen ? 'offer_pending' : undefined;
      const decision = latest?.decision;
      return {
        borrowerId,
        lines: [...lineOwner.entries()].filter(([, o]) => o.borrowerId === borrowerId).map(([lineId]) => view(lineId, at)),
        ...(latest && offerOpen && decision
          ? {
              pendingOffer: {
                applicationId: latest.id,
                decisionId: latest.decisionId!,
                productId: latest.productId,
                limit: decision.limit,
                annualRate: decision.rate!,
                aprSimple: decision.apr!.simple,
                aprCompound: decision.apr!.compound,
                offerExpiresAt: latest.offerExpiresAt ?? at + 7 * 86_400_000,
              },
            }
          : {}),
        ...(latest && status
          ? {
              application: {
                applicationId: latest.id,
                productId: latest.productId,
                status,
                submittedAt: latest.at,
                ...(status === 'under_review' && latest.decidedAt !== undefined ? { reviewDueAt: latest.decidedAt + 24 * 3_600_000 } : {}),
              },
            }
          : {}),
        // Open work orders of the borrower (their complaints), newest first.
        ...(() => {
          const open = [...(store.workOrders?.values() ?? [])].filter((o) => o.borrowerId === borrowerId && o.status !== 'resolved' && o.status !== 'closed').reverse();
          return open.length ? { workOrders: open.map(({ conversationId: _c, borrowerId: _b, ...o }) => o) } : {};
        })(),
      };
    }),
    disburse: record('disburse', (input) =>
      once(input.idempotencyKey, () => {
        const line = lines.get(input.lineId)!;
        const r = drawFromCreditLine(line, { drawdownId: id('dd'), amount: input.amount, termMonths: input.termMonths, method: input.method, on: shanghaiDateOf(input.at) });
        if (!r.ok) return { ok: false as const, reason: 'invalid' as const, detail: r.error.message };
        lines.set(input.lineId, r.value.line);
        const first = r.value.schedule.installments[0]!;
        return {
          ok: true as const,
          receipt: {
            drawdownId: r.value.drawdown.id,
            reference: r.value.drawdown.id,
            amount: input.amount,
            termMonths: input.termMonths,
            method: input.method,
            annualRate: r.value.drawdown.annualRate,
            card: '6222 **** 0001',
            disbursedAt: input.at,
            firstDue: { date: first.dueDate, amount: first.total },
            availableAfter: r.value.line.available,
          },
        };
      }),
    ),
    repay: record('repay', (input) =>
      once(input.idempotencyKey, () => {
        const line = lines.get(input.lineId)!;
        const on = shanghaiDateOf(input.at);
        const v = view(input.lineId, input.at);
        const amount = input.kind === 'partial' ? input.amount! : input.kind === 'due' ? (v.dueNow > 0 ? v.dueNow : (v.nextDue?.amount ?? 0)) : 0;
        if (input.kind !== 'payoff' && amount > effects.cardBalance) return { ok: false as const, reason: 'insufficient_funds' as const, detail: 'card balance' };
        const target = input.drawdownId ? { drawdownId: input.drawdownId } : {};
        // As the host plans it: "due" with nothing due settles the next instalment ahead of its date.
        const r =
          input.kind === 'payoff'
            ? payOffCreditLine(line, { on, ...target })
            : input.kind === 'due' && v.dueNow === 0
              ? payNextInstallment(line, { on, ...target })
              : repayCreditLine(line, { amount, on, ...target, ...(input.earlyRepaymentMode ? { options: { earlyRepaymentMode: input.earlyRepaymentMode } } : input.kind === 'due' ? { options: { surplus: 'reject' as const } } : {}) });
        if (!r.ok) return { ok: false as const, reason: 'invalid' as const, detail: r.error.message };
        if (r.value.paid > effects.cardBalance) return { ok: false as const, reason: 'insufficient_funds' as const, detail: 'card balance' };
        lines.set(input.lineId, r.value.line);
        const sum = (k: 'penalty' | 'interest' | 'principal') => r.value.allocations.reduce((s, a) => s + (a as unknown as Record<string, number>)[k]!, 0);
        return {
          ok: true as const,
          receipt: {
            repaymentId: id('rp'),
            reference: id('ref'),
            amount: r.value.applied,
            penalty: sum('penalty'),
            interest: sum('interest'),
            principal: sum('principal'),
            unapplied: r.value.unapplied,
            card: '6222 **** 0001',
            paidAt: input.at,
            availableAfter: r.value.line.available,
            settledDrawdowns: [...r.value.settledDrawdownIds],
            outstandingAfter: lineOutstandingPrincipal(r.value.line),
          },
        };
      }),
    ),
    requestHandoff: record('requestHandoff', async () => ({ workItemId: id('wi') })),
    // Numbered as the host numbers them (one sequence here, not one per day); 2 working hours to answer, 16 to resolve, on the default calendar as the host counts them.
    openComplaint: record('openComplaint', ({ conversationId, borrowerId, requestKey, at }) =>
      once(requestKey, () => {
        const orders = (store.workOrders ??= new Map());
        const order: WorkOrderStatus = { number: `GD${shanghaiDateOf(at).replaceAll('-', '')}-${String(orders.size + 1).padStart(4, '0')}`, kind: 'complaint', status: 'open', createdAt: at, respondBy: addBusinessMinutes(at, 120, DEFAULT_BUSINESS_CALENDAR), resolveBy: addBusinessMinutes(at, 960, DEFAULT_BUSINESS_CALENDAR) };
        orders.set(order.number, { ...order, conversationId, ...(borrowerId ? { borrowerId } : {}) });
        return order;
      }),
    ),
    openCollectionOrder: record('openCollectionOrder', ({ conversationId, borrowerId, requestKey, at }) =>
      once(requestKey, () => {
        const orders = (store.workOrders ??= new Map());
        const order: WorkOrderStatus = { number: `GD${shanghaiDateOf(at).replaceAll('-', '')}-${String(orders.size + 1).padStart(4, '0')}`, kind: 'collection', status: 'open', createdAt: at, respondBy: addBusinessMinutes(at, 15, DEFAULT_BUSINESS_CALENDAR), resolveBy: addBusinessMinutes(at, 240, DEFAULT_BUSINESS_CALENDAR) };
        orders.set(order.number, { ...order, conversationId, ...(borrowerId ? { borrowerId } : {}) });
        return order;
      }),
    ),
    workOrderStatus: record('workOrderStatus', async ({ conversationId, borrowerId, number }) => {
      const theirs = [...(store.workOrders ?? new Map<string, WorkOrderStatus & { conversationId: string; borrowerId?: string }>()).values()]
        .filter((o) => o.conversationId === conversationId || (borrowerId !== undefined && o.borrowerId === borrowerId))
        .filter((o) => number === undefined || o.number === number)
        .reverse();
      return { orders: theirs.map(({ conversationId: _c, borrowerId: _b, ...o }) => o) };
    }),
    setMarketingOptOut: record('setMarketingOptOut', async () => ({ ok: true })),
    inviteRenewal(lineId) {
      const line = lines.get(lineId)!;
      (store.renewals ??= new Map()).set(`${lineId}:${line.validUntil}`, { lineId, validUntil: line.validUntil, status: 'invited' });
    },
    // As the host answers: the open invitation whose line still ends on its period, the consents in force with their text versions.
    loadRenewal: record('loadRenewal', async ({ borrowerId, at }) => {
      const open = [...(store.renewals?.values() ?? [])].find((r) => {
        const line = lines.get(r.lineId);
        return r.status === 'invited' && lineOwner.get(r.lineId)?.borrowerId === borrowerId && line?.status === 'active' && line.validUntil === r.validUntil && shanghaiDateOf(at) <= r.validUntil;
      });
      if (!open) return { status: 'none' as const };
      const application = [...applications.values()].find((a) => a.borrowerId === borrowerId && a.status === 'accepted')!;
      const v = view(open.lineId, at);
      const versions = store.consentVersions?.get(borrowerId) ?? new Map<DataSource, string>();
      return {
        status: 'open' as const,
        renewal: {
          lineId: open.lineId,
          productId: v.productId,
          validUntil: open.validUntil,
          applicationId: application.id,
          limit: v.limit,
          outstanding: v.outstanding,
          annualRate: v.annualRate,
          consents: [...(consents.get(borrowerId) ?? [])].map((source) => ({ source, textVersion: versions.get(source) ?? '' })),
        },
      };
    }),
    recordRenewalDecision: record('recordRenewalDecision', ({ lineId, validUntil, decision, requestKey }) =>
      once(requestKey, () => {
        const r = store.renewals?.get(`${lineId}:${validUntil}`);
        if (!r || r.status !== 'invited') return { ok: false as const, reason: 'not_invited' as const };
        const approved = decision.outcome === 'approved';
        r.decision = { id: id('rd'), approved, limit: decision.limit, rate: decision.rate ?? 0 };
        if (!approved) r.status = 'declined';
        return { ok: true as const, decisionId: r.decision.id };
      }),
    ),
    renewLine: record('renewLine', (input) =>
      once(input.requestKey, () => {
        const r = store.renewals?.get(`${input.lineId}:${input.validUntil}`);
        const line = lines.get(input.lineId);
        if (!r || !line || r.status !== 'invited' || r.decision?.id !== input.decisionId || !r.decision.approved) return { ok: false as const, reason: 'not_invited' as const };
        const months = product(lineOwner.get(input.lineId)!.productId).lineValidityMonths;
        if (renewedValidUntil(input.validUntil, months) !== input.newValidUntil) throw new Error('renewLine: the renewed term ends elsewhere');
        const renewed = renewCreditLine(line, { on: shanghaiDateOf(input.at), validUntil: input.newValidUntil, limit: r.decision.limit, annualRate: r.decision.rate });
        if (!renewed.ok) return { ok: false as const, reason: 'line_inactive' as const };
        lines.set(input.lineId, renewed.value.line);
        r.status = 'accepted';
        return { ok: true as const, line: view(input.lineId, input.at) };
      }),
    ),
    closeRenewal: record('closeRenewal', async ({ lineId, validUntil }) => {
      const r = store.renewals?.get(`${lineId}:${validUntil}`);
      if (r?.status === 'invited') r.status = 'declined';
      return { ok: true as const };
    }),
  };
  return effects;
}

