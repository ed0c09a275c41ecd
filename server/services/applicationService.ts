import { randomUUID } from 'node:crypto';
import { maskIdNumber, maskMobile, maskName, shanghaiDateOf, validateMobile, validateResidentId, validateSocialCreditCode, type IdentityVerification } from '../../core/index.js';
import type { FlowEffects, SubmitApplicationOutput } from '../../flows/host.js';
import { crashPoint } from '../faults.js';
import { accountEffects } from './accountService.js';
import { AppError } from '../errors.js';
import { Prisma, type Application, type Borrower } from '../db/generated/client.js';
import { auditRow, idempotencyRow, insertRows, isUniqueViolation, jsonValue, productById, queryOne, toBigFen, uuidOrNull } from './persistence.js';
import { fieldContext } from '../security/fieldCipher.js';
import { activatablePrecreditSql, precreditHashes } from './precreditActivation.js';
import type { ServiceContext } from './serviceDeps.js';
// The studio's leaf modules, not its index: the index also exports routes built on these services.
import { attributionRef } from '../studio/contracts.js';
import { parseAttributionRef, type ParsedRef } from '../studio/parseAttributionRef.js';
import type { Product } from '../../core/index.js';

type SubmitOutput = SubmitApplicationOutput;

const SCOPE = 'submitApplication';

/** Stored results carry no name (an IdempotencyRecord outlives the conversation); a recalled one takes it from the borrower's row. */
const withoutName = (output: SubmitOutput): unknown => {
  if (output.status === 'identity_mismatch') return output;
  const { borrowerName: _name, ...rest } = output;
  return rest;
};
const withName = (stored: SubmitOutput, name: string): SubmitOutput => (stored.status === 'identity_mismatch' ? stored : { ...stored, borrowerName: name });

/** What submitApplication reads in one statement (borrower columns null when there is none). */
interface SubmitRead {
  readonly previous: SubmitOutput | null;
  readonly borrowerId: string | null;
  readonly storedName: string | null;
  readonly storedPhoneHash: string | null;
  readonly attributed: boolean | null;
  /** The borrower's first touch as stored (null when none or no borrower). */
  readonly firstTouch: string | null;
  readonly firstStaffId: string | null;
  readonly firstCampaignId: string | null;
  readonly firstBranch: string | null;
  /** What the referral names: an active manager (and their branch), a campaign (and its branch), an active branch. */
  readonly staffId: string | null;
  readonly staffCode: string | null;
  readonly staffBranch: string | null;
  readonly campaignId: string | null;
  readonly campaignCode: string | null;
  readonly campaignBranch: string | null;
  readonly branchCode: string | null;
  /** An open (active or frozen) line of this product. */
  readonly lineId: string | null;
  /** The newest application of this product still open: submitted, or decided for review or with a live offer. */
  readonly openApplicationId: string | null;
  readonly openStatus: string | null;
  readonly openOutcome: string | null;
  /** 一键激活: the pre-credit entry asked for, when it can still be activated by this person (precreditActivation.ts). */
  readonly precreditEntryId: string | null;
}

/**
 * Identity first, then one person one borrower, one line per product:
 * 1. the identity verifier confirms that name, ID number and mobile belong together (and the name
 *    matches the one verified when a stored borrower was registered); a mismatch writes nothing on
 *    the person whose ID was typed and is answered `identity_mismatch` (audited with masked values);
 * 2. a person who already has an open line, an offer waiting or an application in progress for the
 *    product gets `existing` (the conversation is linked to them; nothing new is opened);
 * 3. otherwise the borrower is registered or found by the keyed hash of the ID number (ID and
 *    mobile encrypted and masked, never in clear) and the application created. A verified new
 *    mobile replaces the stored one and is audited; the stored name is never overwritten.
 * Idempotent by key. A referral code is attributed to the customer manager (StaffUser.referralCode)
 * or the campaign (Campaign.code) it names: the borrower keeps the first attribution, the
 * application records the code it came with.
 */
export function applicationEffects(ctx: ServiceContext): Pick<FlowEffects, 'submitApplication'> {
  const { db, cipher, products, clock, providers, logger } = ctx;
  const account = accountEffects(ctx);

  return {
    async submitApplication(input) {
      const product = productById(products, input.productId);
      const id = validateResidentId(input.idNumber, shanghaiDateOf(input.at));
      if (!id.ok) throw new AppError('VALIDATION_FAILED', { field: 'idNumber', reason: id.error.message });
      const mobile = validateMobile(input.mobile);
      if (!mobile.ok) throw new AppError('VALIDATION_FAILED', { field: 'mobile', reason: mobile.error.message });
      if (input.enterprise) {
        const uscc = validateSocialCreditCode(input.enterprise.uscc);
        if (!uscc.ok) throw new AppError('VALIDATION_FAILED', { field: 'enterprise.uscc', reason: uscc.error.message });
      }
      if (!Number.isSafeInteger(input.requestedAmount) || input.requestedAmount <= 0) throw new AppError('VALIDATION_FAILED', { field: 'requestedAmount', reason: 'must be positive whole fen' });
      const idNumber = id.value.idNumber;
      const name = input.name.trim();

      const idNumberHash = cipher.lookupHash(idNumber);
      // The conversation may have been reached through a link since it started (a campaign card tapped
      // inside the chat): its stored referral is then the last touch the machine did not hear of. The
      // read below answers it; when it names someone, the read is made again with it.
      const conversationUuid = input.referral ? null : uuidOrNull(input.conversationId);
      let referral = input.referral;
      let ref = parseAttributionRef(referral);
      // A bare (legacy) code is looked up as a manager's first, then as a campaign's.
      const codeOf = (kind: 'manager' | 'campaign' | 'branch') => (ref && (ref.kind === kind || (ref.kind === 'legacy' && kind !== 'branch')) ? ref.code : null);
      const remember = (output: SubmitOutput) => insertRows('IdempotencyRecord', [idempotencyRow(SCOPE, input.idempotencyKey, withoutName(output), clock.now())]);

      // 一键激活: the entry asked for, checked again here (whitelisted, unexpired, not activated, this ID and mobile, this product).
      const entryHashes = input.precreditEntryId ? precreditHashes(ctx, idNumber, mobile.value, input.at) : null;
      const precreditCheck = input.precreditEntryId && entryHashes
        ? Prisma.sql`(SELECT e.id FROM "PrecreditEntry" e JOIN "PrecreditBatch" pb ON pb.id = e."batchId" WHERE e.id = ${input.precreditEntryId}::uuid AND ${activatablePrecreditSql('e', 'pb', { productId: product.id, ...entryHashes, at: new Date(input.at) })})`
        : Prisma.sql`NULL::uuid`;
      // Two statements: one read (a stored result, the borrower, what they hold, who the referral code names), one write.
      const read = () =>
        queryOne<SubmitRead & { storedReferral: string | null }>(
          db.raw,
          Prisma.sql`SELECT (SELECT r.result FROM "IdempotencyRecord" r WHERE r.scope = ${SCOPE} AND r.key = ${input.idempotencyKey}) AS previous,
            b.id AS "borrowerId", b.name AS "storedName", b."phoneHash" AS "storedPhoneHash",
            (b."firstTouch" IS NOT NULL OR b."attributedStaffId" IS NOT NULL OR b."attributedCampaignId" IS NOT NULL) AS attributed,
            b."firstTouch", b."attributedStaffId" AS "firstStaffId", b."attributedCampaignId" AS "firstCampaignId", b."attributedBranch" AS "firstBranch",
            s.id AS "staffId", s."referralCode" AS "staffCode", s.branch AS "staffBranch",
            c.id AS "campaignId", c.code AS "campaignCode", c.branch AS "campaignBranch",
            (SELECT br.code FROM "Branch" br WHERE br.code = ${codeOf('branch')} AND br.active) AS "branchCode",
            (SELECT l.id FROM "CreditLine" l WHERE l."borrowerId" = b.id AND l."productId" = ${product.id} AND l.status IN ('active', 'frozen') LIMIT 1) AS "lineId",
            o.id AS "openApplicationId", o.status::text AS "openStatus", o.outcome AS "openOutcome",
            ${precreditCheck} AS "precreditEntryId",
            ${conversationUuid ? Prisma.sql`(SELECT cv.referral FROM "Conversation" cv WHERE cv.id = ${conversationUuid}::uuid)` : Prisma.sql`NULL::text`} AS "storedReferral"
            FROM (SELECT 1) AS one LEFT JOIN "Borrower" b ON b."idNumberHash" = ${idNumberHash}
            LEFT JOIN "StaffUser" s ON s."referralCode" = ${codeOf('manager')} AND s.active
            LEFT JOIN "Campaign" c ON c.code = ${codeOf('campaign')}
            LEFT JOIN LATERAL (SELECT a.id, a.status, (SELECT d.outcome::text FROM "Decision" d WHERE d."applicationId" = a.id ORDER BY d."createdAt" DESC LIMIT 1) AS outcome
              FROM "Application" a WHERE a."borrowerId" = b.id AND a."productId" = ${product.id}
                AND (a.status = 'submitted' OR (a.status = 'decided' AND (a."offerExpiresAt" IS NULL OR a."offerExpiresAt" > ${new Date(input.at)}::timestamptz)))
              ORDER BY a."createdAt" DESC LIMIT 1) AS o ON true`,
        );
      const attempt = async (): Promise<SubmitOutput> => {
        let found = await read();
        if (referral === undefined && found.storedReferral) {
          referral = found.storedReferral;
          ref = parseAttributionRef(referral);
          if (ref) found = await read();
        }
        if (found.previous) return withName(found.previous, found.storedName ?? name);
        const existing = found.borrowerId;

        // 1. Identity before anything is written or pulled.
        const verified = await verifyIdentity({ name, idNumber, mobile: mobile.value }, found.storedName);
        if (!verified.ok) {
          const output: SubmitOutput = { status: 'identity_mismatch' };
          const refused = auditRow({
            actorType: 'system',
            action: 'application.identity_mismatch',
            subjectType: 'Conversation',
            subjectId: input.conversationId,
            at: input.at,
            detail: { productId: product.id, channel: input.channel, idNumber: maskIdNumber(idNumber), mobile: maskMobile(mobile.value), name: maskName(name), reason: verified.reason, knownBorrower: existing !== null },
          });
          await db.raw.execute(Prisma.sql`WITH audited AS (${insertRows('AuditLog', [refused])}) ${remember(output)}`);
          logger.warn({ productId: product.id, reason: verified.reason }, 'application refused: identity does not match');
          return output;
        }

        const now = new Date();
        const borrowerId = existing ?? randomUUID();
        // Bound to the borrower's row: a ciphertext copied to another row or column does not open.
        const phone = { phoneEnc: cipher.encrypt(mobile.value, fieldContext('Borrower', 'phoneEnc', borrowerId)), phoneHash: cipher.lookupHash(mobile.value), phoneMasked: maskMobile(mobile.value) };
        // A verified new mobile replaces the stored one, audited.
        const mobileChanged = existing !== null && found.storedPhoneHash !== phone.phoneHash;
        const changeMobile = mobileChanged
          ? Prisma.sql`, mobile AS (UPDATE "Borrower" SET "phoneEnc" = ${phone.phoneEnc}, "phoneHash" = ${phone.phoneHash}, "phoneMasked" = ${phone.phoneMasked}, "updatedAt" = ${now}::timestamptz WHERE id = ${existing}::uuid),
              mobileAudited AS (${insertRows('AuditLog', [auditRow({ actorType: 'borrower', actorId: existing, action: 'borrower.mobile_changed', subjectType: 'Borrower', subjectId: existing, at: input.at, detail: { channel: input.channel, conversationId: input.conversationId, mobile: phone.phoneMasked, verifiedBy: ['sms_code', providers.identity.name] } })])})`
          : Prisma.empty;

        // 2. What the person already has for this product: shown, never opened twice.
        if (existing) {
          const situation = await situationOf(existing, found, input.at);
          if (situation) {
            const output: SubmitOutput = { status: 'existing', borrowerId: existing, borrowerName: found.storedName ?? name, productId: product.id, ...situation };
            const linked = auditRow({ actorType: 'borrower', actorId: existing, action: 'conversation.linked', subjectType: 'Borrower', subjectId: existing, at: input.at, detail: { channel: input.channel, conversationId: input.conversationId, situation: situation.situation } });
            await db.raw.execute(Prisma.sql`WITH audited AS (${insertRows('AuditLog', [linked])}) ${changeMobile} ${remember(output)}`);
            return output;
          }
        }

        // 3. A new application (and a new borrower when the ID is new).
        // The referral names an active manager first, else a campaign, else a branch or a product.
        const touch = touchOf(ref, found, products);
        const attribution: { attributedStaffId?: string; attributedCampaignId?: string } = touch?.staffId ? { attributedStaffId: touch.staffId } : touch?.campaignId ? { attributedCampaignId: touch.campaignId } : {};
        // First touch wins: the borrower's stored one, else this one; the application carries it, `referral` is the last touch.
        const first = found.attributed
          ? { firstTouch: found.firstTouch, attributedStaffId: found.firstStaffId, attributedCampaignId: found.firstCampaignId, attributedBranch: found.firstBranch }
          : { firstTouch: touch?.ref ?? null, attributedStaffId: touch?.staffId ?? null, attributedCampaignId: touch?.campaignId ?? null, attributedBranch: touch?.branch ?? null };
        const newTouch = !found.attributed && touch ? touch : null;
        const enterprise = input.enterprise ? { enterpriseName: input.enterprise.name, uscc: input.enterprise.uscc.trim().toUpperCase(), enterpriseRole: input.enterprise.role } : null;
        let writeBorrower: Prisma.Sql;
        if (existing) {
          // First touch wins: a borrower stays with the manager, campaign, branch or product that brought them.
          writeBorrower = Prisma.sql`UPDATE "Borrower" SET
            ${mobileChanged ? Prisma.sql`"phoneEnc" = ${phone.phoneEnc}, "phoneHash" = ${phone.phoneHash}, "phoneMasked" = ${phone.phoneMasked},` : Prisma.empty}
            ${enterprise ? Prisma.sql`kind = 'enterprise', "enterpriseName" = ${enterprise.enterpriseName}, uscc = ${enterprise.uscc}, "enterpriseRole" = ${enterprise.enterpriseRole},` : Prisma.empty}
            ${newTouch
              ? Prisma.sql`"firstTouch" = ${newTouch.ref}, "firstTouchAt" = ${now}::timestamptz, "attributedBranch" = ${newTouch.branch},
                "attributedStaffId" = ${newTouch.staffId}::uuid, "attributedCampaignId" = ${newTouch.campaignId}::uuid,`
              : Prisma.empty}
            "updatedAt" = ${now}::timestamptz WHERE id = ${existing}::uuid`;
        } else {
          const borrower: Borrower = {
            id: borrowerId,
            kind: enterprise ? 'enterprise' : 'individual',
            name,
            idNumberEnc: cipher.encrypt(idNumber, fieldContext('Borrower', 'idNumberEnc', borrowerId)),
            idNumberHash,
            idNumberMasked: maskIdNumber(idNumber),
            ...phone,
            enterpriseName: enterprise?.enterpriseName ?? null,
            uscc: enterprise?.uscc ?? null,
            enterpriseRole: enterprise?.enterpriseRole ?? null,
            attributedStaffId: first.attributedStaffId,
            attributedCampaignId: first.attributedCampaignId,
            firstTouch: first.firstTouch,
            attributedBranch: first.attributedBranch,
            firstTouchAt: newTouch ? now : null,
            tags: [],
            createdAt: now,
            updatedAt: now,
          };
          writeBorrower = insertRows('Borrower', [borrower]);
        }
        const application: Application = {
          id: randomUUID(),
          borrowerId,
          productId: product.id,
          status: 'submitted',
          purpose: input.purpose,
          purposeDetail: input.purposeDetail,
          referral: referral ?? null,
          ...first,
          precreditEntryId: found.precreditEntryId,
          requestedAmount: toBigFen(input.requestedAmount),
          requestedTerm: null,
          conversationId: uuidOrNull(input.conversationId),
          offerExpiresAt: null,
          acceptedAt: null,
          termsVersion: null,
          termsHash: null,
          identityCheck: jsonValue(verified.check),
          createdAt: now,
          updatedAt: now,
        };
        const output: SubmitOutput = { status: 'submitted', borrowerId, applicationId: application.id, borrowerName: found.storedName ?? name, ...(found.precreditEntryId ? { precreditEntryId: found.precreditEntryId } : {}) };
        const submitted = auditRow({
          actorType: 'borrower',
          actorId: borrowerId,
          action: 'application.submitted',
          subjectType: 'Application',
          subjectId: application.id,
          at: input.at,
          detail: { productId: product.id, channel: input.channel, conversationId: input.conversationId, requestedAmount: input.requestedAmount, newBorrower: !existing, referral: referral ?? null, ...(found.precreditEntryId ? { precreditEntryId: found.precreditEntryId } : {}), ...attribution, ...(newTouch ? { firstTouch: newTouch.ref } : {}), ...(mobileChanged ? { mobileChanged: phone.phoneMasked } : {}) },
        });
        const mobileAudit = mobileChanged
          ? Prisma.sql`mobileAudited AS (${insertRows('AuditLog', [auditRow({ actorType: 'borrower', actorId: borrowerId, action: 'borrower.mobile_changed', subjectType: 'Borrower', subjectId: borrowerId, at: input.at, detail: { channel: input.channel, conversationId: input.conversationId, mobile: phone.phoneMasked, verifiedBy: ['sms_code', providers.identity.name] } })])}),`
          : Prisma.empty;
        await db.raw.execute(Prisma.sql`WITH borrower AS (${writeBorrower}),
          application AS (${insertRows('Application', [application])}),
          ${mobileAudit}
          audited AS (${insertRows('AuditLog', [submitted])})
          ${remember(output)}`);
        crashPoint('application.after_submit');
        return output;
      };

      /**
       * The verifier's answer on what was typed. A stored borrower's name was verified when they
       * registered: another name with their ID number is a mismatch whatever a sandbox says.
       * The verifier being unreachable is infrastructure trouble (thrown; the borrower may retry).
       */
      async function verifyIdentity(person: { name: string; idNumber: string; mobile: string }, storedName: string | null): Promise<{ ok: true; check: IdentityVerification } | { ok: false; reason: string }> {
        if (storedName !== null && storedName.trim() !== person.name) return { ok: false, reason: 'name differs from the verified customer record' };
        const answer = await providers.identity.verify({ person, at: input.at });
        if (!answer.ok) throw new AppError('PROVIDER_UNAVAILABLE', { provider: providers.identity.name, reason: answer.detail });
        const check = answer.data ?? {};
        if (check.nameIdMatch !== true) return { ok: false, reason: 'name and ID number do not match' };
        if (check.mobileMatch === false) return { ok: false, reason: 'mobile is not registered to this ID number' };
        return { ok: true, check };
      }

      /** What an existing borrower already holds for the product, or null when a new application may start. */
      async function situationOf(borrowerId: string, found: SubmitRead, at: number): Promise<Omit<Extract<SubmitOutput, { status: 'existing' }>, 'status' | 'borrowerId' | 'borrowerName' | 'productId'> | null> {
        if (found.lineId) return { situation: 'has_line' };
        if (!found.openApplicationId) return null;
        if (found.openStatus === 'submitted') return { situation: 'in_progress', applicationId: found.openApplicationId };
        if (found.openOutcome === 'manual_review') return { situation: 'under_review', applicationId: found.openApplicationId };
        if (found.openOutcome === 'approved') {
          const { pendingOffer } = await account.loadAccount({ borrowerId, at });
          if (pendingOffer && pendingOffer.productId === product.id) return { situation: 'offer_pending', applicationId: pendingOffer.applicationId, pendingOffer };
        }
        return null;
      }
      try {
        return await attempt();
      } catch (e) {
        // Two first applications with one ID number (or one key) at once: the loser reads the winner's rows.
        if (isUniqueViolation(e)) return attempt();
        throw e;
      }
    },
  };
}

/** A touch: the normalised ref (mgr_…, cmp_…, br_…, prd_…) and what it resolves to; undefined when it names nothing known. */
interface Touch {
  readonly ref: string;
  readonly staffId: string | null;
  readonly campaignId: string | null;
  readonly branch: string | null;
}

function touchOf(ref: ParsedRef | undefined, found: SubmitRead, products: readonly Product[]): Touch | undefined {
  if (!ref) return undefined;
  if (found.staffId && found.staffCode) return { ref: attributionRef('manager', found.staffCode), staffId: found.staffId, campaignId: null, branch: found.staffBranch };
  if (found.campaignId && found.campaignCode) return { ref: attributionRef('campaign', found.campaignCode), staffId: null, campaignId: found.campaignId, branch: found.campaignBranch };
  if (ref.kind === 'branch' && found.branchCode) return { ref: attributionRef('branch', found.branchCode), staffId: null, campaignId: null, branch: found.branchCode };
  if (ref.kind === 'product' && products.some((p) => p.id === ref.code)) return { ref: attributionRef('product', ref.code), staffId: null, campaignId: null, branch: null };
  return undefined;
}
