/**
 * Credit-decision throughput: 1,000,000 SYNTHETIC applicants from a seeded PRNG, each through the
 * full decision (identity checks, rules, scorecard, grade, pricing, limit, APR via core/lending)
 * on one core. Not a test. Run: `npm run bench:decisions` (or `npx tsx bench/decisions.ts [count] [seed]`).
 *
 * Applicants are generated in chunks of 10,000 outside the timed section, and a full GC (also
 * untimed) settles each chunk before it is decided, so neither generating applicants nor
 * collecting their garbage is billed to the decisions.
 */
import os from 'node:os';
import v8 from 'node:v8';
import vm from 'node:vm';
import {
  createPrng, decideApplication, DEMO_ENTERPRISE_PRODUCT, DEMO_PERSONAL_PRODUCT, syntheticApplicant,
  type ApplicantProfile, type Product,
} from '../core/index.js';

const TOTAL = Number(process.argv[2] ?? 1_000_000);
const SEED = Number(process.argv[3] ?? 20_250_630);
const CHUNK = 10_000;
const AS_OF = '2025-06-30';
/** One in five applicants asks for the enterprise product. */
const ENTERPRISE_SHARE = 0.2;

const optionsFor = (p: Product) => ({
  enterprise: p.segment === 'enterprise',
  termsMonths: p.termsMonths,
  repaymentMethods: p.repaymentMethods,
  purposes: p.purposes,
  amountRange: [p.amount.min, Math.floor(p.amount.max * 1.5)] as const,
});
const personalOptions = optionsFor(DEMO_PERSONAL_PRODUCT);
const enterpriseOptions = optionsFor(DEMO_ENTERPRISE_PRODUCT);

v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

const rng = createPrng(SEED);
const profiles: ApplicantProfile[] = new Array(CHUNK);
const products: Product[] = new Array(CHUNK);
/** personal approved/declined/manual_review, then enterprise likewise. */
const tally = [0, 0, 0, 0, 0, 0];
const TALLY_NAMES = ['personal:approved', 'personal:declined', 'personal:manual_review', 'enterprise:approved', 'enterprise:declined', 'enterprise:manual_review'];
const errors = new Map<string, number>();
const reasons = new Map<string, number>();
let decideNs = 0n;
let decideCpuUs = 0;
let generateNs = 0n;
let approvedAmount = 0;
let checksum = 0;

// Warm-up (JIT, caches) outside the measurement.
for (let i = 0; i < 20_000; i++) {
  const p = i % 5 === 0 ? DEMO_ENTERPRISE_PRODUCT : DEMO_PERSONAL_PRODUCT;
  decideApplication(p, syntheticApplicant(createPrng(i), AS_OF, p === DEMO_PERSONAL_PRODUCT ? personalOptions : enterpriseOptions), AS_OF);
}

for (let done = 0; done < TOTAL; done += CHUNK) {
  const n = Math.min(CHUNK, TOTAL - done);
  const g0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const enterprise = rng.next() < ENTERPRISE_SHARE;
    products[i] = enterprise ? DEMO_ENTERPRISE_PRODUCT : DEMO_PERSONAL_PRODUCT;
    profiles[i] = syntheticApplicant(rng, AS_OF, enterprise ? enterpriseOptions : personalOptions);
  }
  collectGarbage();
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const r = decideApplication(products[i] as Product, profiles[i] as ApplicantProfile, AS_OF);
    // Cheap tallies only (no string building): a decision is used and dropped, as in a server.
    if (!r.ok) {
      errors.set(r.error.code, (errors.get(r.error.code) ?? 0) + 1);
      continue;
    }
    const d = r.value;
    const k = (d.productId === DEMO_PERSONAL_PRODUCT.id ? 0 : 3) + (d.outcome === 'approved' ? 0 : d.outcome === 'declined' ? 1 : 2);
    tally[k] = (tally[k] as number) + 1;
    if (d.reasons.length > 0) {
      const code = (d.reasons[0] as { code: string }).code;
      reasons.set(code, (reasons.get(code) ?? 0) + 1);
    }
    approvedAmount += d.offeredAmount;
    checksum = (checksum * 31 + d.score + d.limit) % 1_000_000_007;
  }
  const t1 = process.hrtime.bigint();
  const cpu = process.cpuUsage(cpu0);
  decideCpuUs += cpu.user + cpu.system;
  generateNs += t0 - g0;
  decideNs += t1 - t0;
}

const seconds = Number(decideNs) / 1e9;
const cpus = os.cpus();
const pct = (v: number) => `${((v / TOTAL) * 100).toFixed(2)}%`;
console.log('Kuaidai credit-decision benchmark (ILLUSTRATIVE SYNTHETIC scorecard and applicants)');
console.log(`machine   : ${cpus[0]?.model ?? 'unknown CPU'} · ${cpus.length} logical cores (one used) · ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM · ${os.platform()} ${os.arch()}`);
console.log(`runtime   : Node ${process.version}`);
console.log(`workload  : ${TOTAL.toLocaleString('en')} applicants, seed ${SEED}, asOf ${AS_OF}, ${ENTERPRISE_SHARE * 100}% on the enterprise product`);
console.log(`generate  : ${(Number(generateNs) / 1e9).toFixed(2)} s (not counted)`);
console.log(`decide    : ${seconds.toFixed(2)} s → ${Math.round(TOTAL / seconds).toLocaleString('en')} decisions/s (${((seconds / TOTAL) * 1e6).toFixed(2)} µs each)`);
// CPU time of this process over the same loops: the better figure when other jobs share the cores.
console.log(`cpu time  : ${(decideCpuUs / 1e6).toFixed(2)} s → ${Math.round(TOTAL / (decideCpuUs / 1e6)).toLocaleString('en')} decisions per CPU-second · load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
console.log('outcomes  :');
const outcomes: [string, number][] = [...TALLY_NAMES.map((name, i): [string, number] => [name, tally[i] as number]), ...[...errors].map(([k, v]): [string, number] => [`error:${k}`, v])];
for (const [k, v] of outcomes) console.log(`  ${k.padEnd(28)} ${String(v).padStart(9)}  ${pct(v)}`);
console.log('first reason of non-approved decisions (top 8):');
for (const [k, v] of [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`  ${k.padEnd(28)} ${String(v).padStart(9)}  ${pct(v)}`);
console.log(`offered   : ¥${(approvedAmount / 100).toLocaleString('en', { maximumFractionDigits: 0 })} in total · checksum ${checksum}`);
console.log(`memory    : ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB RSS`);
