import { createPrng, generateMobile, syntheticApplicant, type IsoDate } from '../../../core/index.js';
import { PRECREDIT_COLUMNS } from './precreditColumns.js';

const yuan = (fen: number | undefined): string => (fen === undefined ? '' : (fen / 100).toFixed(2).replace(/\.00$/, ''));
const n = (v: number | undefined): string => (v === undefined ? '' : String(v));
const yn = (v: boolean | undefined): string => (v === undefined ? '' : v ? '是' : '否');
const BRANCHES = ['WLXZ', 'DYXZ', 'HSXZ', 'CDZH'] as const;
const MANAGERS = ['KM001', 'KM002', 'KM003', ''] as const;

/**
 * SYNTHETIC customers for the pre-credit file (samples/, benchmarks, tests): the core's synthetic
 * applicant stream (seeded: the same file every time), with obviously fake names (演示客户000123),
 * valid ID numbers (correct check digits) and mobiles, in the documented columns with Chinese
 * headers. Yields the CSV text in pieces of up to `linesPerPiece` lines.
 */
export function* syntheticCustomerCsv(count: number, options: { readonly seed?: number; readonly asOf: IsoDate; readonly linesPerPiece?: number }): Generator<string> {
  const rng = createPrng(options.seed ?? 20_261_205);
  const per = options.linesPerPiece ?? 5_000;
  let out = `${PRECREDIT_COLUMNS.map((c) => c[1]).join(',')}\n`;
  let inPiece = 0;
  for (let i = 1; i <= count; i++) {
    const a = syntheticApplicant(rng, options.asOf, { termsMonths: [12], purposes: ['consumer'] });
    const s = a.sources;
    const b = s.credit_bureau;
    const lists = rng.chance(0.9) ? { c: rng.chance(0.01), k: rng.chance(0.01) } : undefined;
    const fields = [
      `C${String(i).padStart(9, '0')}`,
      `演示客户${String(i).padStart(6, '0')}`,
      a.person.idNumber,
      // Distinct mobiles per row (the synthetic stream may repeat one).
      generateMobile(i),
      BRANCHES[i % BRANCHES.length],
      MANAGERS[i % MANAGERS.length],
      yuan(a.declaredMonthlyIncome),
      yuan(s.bank?.depositAvg6m), n(s.bank?.customerMonths), yuan(s.bank?.payroll ? s.bank.payrollMonthlyAverage : undefined),
      yuan(s.housing_fund?.monthlyContribution), n(s.housing_fund?.months),
      n(s.social_security?.months),
      n(b?.historyMonths), n(b?.overdue24m.maxConsecutive), n(b?.overdue24m.totalCount), n(b?.hardInquiries3m), n(b?.unsettledLenders), yuan(b?.monthlyDebtPayments), yn(b?.currentOverdue),
      yn(lists?.c), yn(lists?.k),
      '', '', '', '', '', '', '',
    ];
    out += `${fields.join(',')}\n`;
    if (++inPiece >= per) {
      yield out;
      out = '';
      inPiece = 0;
    }
  }
  if (out) yield out;
}
