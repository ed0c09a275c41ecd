import { addDays, createPrng, decideApplication, DEMO_PERSONAL_PRODUCT, formatYuan, generateMobile, generateResidentId, shanghaiDateOf, type ApplicantProfile } from '../core/index.js';
import { sandboxFileFor } from '../server/providers/sandboxFiles.js';

/** One borrower as the journey types them: purpose is the menu number (1–7), amount the text, limit as the offer shows it. */
export interface ApprovedBorrower {
  readonly name: string;
  readonly idNumber: string;
  readonly mobile: string;
  readonly purpose: string;
  readonly amount: string;
  readonly limit: string;
}

export interface ApprovedBorrowers {
  readonly borrowers: readonly ApprovedBorrower[];
  readonly candidates: number;
}

// The personal product's purposes in the order the bot lists them (flows' application fields).
const PURPOSES = ['consumer', 'consumer', 'consumer', 'consumer', 'business', 'business', 'business'] as const;
const REGIONS = ['430702', '430703', '430721', '110105', '310104', '370102', '440305', '510107', '420106', '320102'];
const NAMES = ['张伟', '王芳', '李娜', '刘洋', '陈静', '杨磊', '赵敏', '黄强', '周杰', '吴霞', '欧阳娜娜', '司马光明'];
/** What 同意全部授权 grants. */
const SOURCES = ['credit_bureau', 'housing_fund', 'social_security', 'bank'] as const;

/**
 * `count` distinct borrowers the sandbox approves on the personal product, decided by core's own
 * decision: any valid ID number that is not a demo persona gets a synthetic sandbox file and about
 * two in three of those are declined or sent to review, so candidates are put through the decision
 * the server makes after 同意全部授权 (the profile assembled as server/services/dataPullService.ts
 * does: the sandbox file's sources, watchlist and verification, 12 months, the first repayment
 * method) on `today` and the next day (Asia/Shanghai), and kept only when approved on both with the
 * same limit — a run that crosses midnight still sees the offer it expects.
 */
export function approvedBorrowers(options: { readonly count: number; readonly seed: number; readonly now: number }): ApprovedBorrowers {
  const today = shanghaiDateOf(options.now);
  const dates = [today, addDays(today, 1)];
  const rng = createPrng(options.seed);
  const seen = new Set<string>();
  const borrowers: ApprovedBorrower[] = [];
  // Mobiles from a seeded base, one serial per candidate: distinct within the run.
  const mobileBase = (options.seed % 100_000) * 10_000;
  let candidates = 0;
  for (let i = 0; borrowers.length < options.count; i++) {
    if (i > options.count * 50 + 1000) throw new Error(`only ${borrowers.length} approved borrowers among ${candidates} candidates`);
    const birthDate = addDays(today, -rng.int(25 * 365 + 10, 55 * 365));
    const idNumber = generateResidentId({ regionCode: rng.pick(REGIONS), birthDate, sex: rng.chance(0.5) ? 'male' : 'female', serial: rng.int(0, 499) });
    if (seen.has(idNumber)) continue;
    seen.add(idNumber);
    candidates++;
    const mobile = generateMobile(mobileBase + i);
    const name = rng.pick(NAMES);
    const purposeNo = rng.int(1, 7);
    const yuan = rng.int(5, 150) * 1000;
    const amount = yuan % 10_000 === 0 && rng.chance(0.7) ? `${yuan / 10_000}万` : String(yuan);
    const file = sandboxFileFor(idNumber);
    if (!file?.synthetic) continue; // a demo persona's number: its file is not synthetic, and it is the demo's
    const sources: Record<string, unknown> = {};
    for (const s of SOURCES) if (file.profile.sources[s] != null) sources[s] = file.profile.sources[s];
    const profile = {
      person: { name, idNumber, mobile },
      request: { amount: yuan * 100, termMonths: 12, repaymentMethod: DEMO_PERSONAL_PRODUCT.repaymentMethods[0], purpose: PURPOSES[purposeNo - 1] },
      sources,
      ...(file.profile.watchlist ? { watchlist: file.profile.watchlist } : {}),
      verification: file.profile.verification ?? {},
    } as ApplicantProfile;
    const decisions = dates.map((d) => decideApplication(DEMO_PERSONAL_PRODUCT, profile, d));
    const first = decisions[0]!;
    if (!first.ok || first.value.outcome !== 'approved') continue;
    if (!decisions.every((d) => d.ok && d.value.outcome === 'approved' && d.value.limit === first.value.limit)) continue;
    borrowers.push({ name, idNumber, mobile, purpose: String(purposeNo), amount, limit: formatYuan(first.value.limit) });
  }
  return { borrowers, candidates };
}
