/**
 * Throughput of the lending core: 360-month schedules per second for each repayment method, and
 * APR (IRR) solves per second. Not a test. Run: npm run bench:schedules
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { aprFromSchedule, buildSchedule, quoteLoan, REPAYMENT_METHODS, type RepaymentMethod, type Schedule, type ScheduleInput } from '../core/lending/index.js';

const WARMUP_MS = 300;
const MEASURE_MS = 1_500;

/** Runs `fn` for a warm-up, then for a measured window; returns calls per second. */
function throughput(fn: (i: number) => unknown): number {
  let sink = 0;
  const run = (ms: number): number => {
    const start = performance.now();
    let n = 0;
    while (performance.now() - start < ms) {
      for (let k = 0; k < 50; k += 1) sink += fn(n + k) ? 1 : 0;
      n += 50;
    }
    return n / ((performance.now() - start) / 1_000);
  };
  run(WARMUP_MS);
  const rate = run(MEASURE_MS);
  if (sink < 0) console.log(sink); // keep the results alive
  return rate;
}

const loan = (method: RepaymentMethod, i: number): ScheduleInput => ({
  principal: 10_000_000 + (i % 1_000) * 137, // vary the input a little so nothing is constant-folded
  annualRate: 0.0648,
  termMonths: 360,
  method,
  startDate: '2024-01-31',
});

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US').padStart(12);
const cpus = os.cpus();
console.log('Kuaidai lending core benchmark');
console.log(`CPU     ${cpus[0]?.model ?? 'unknown'} × ${cpus.length} logical cores (available parallelism ${os.availableParallelism()})`);
console.log(`Memory  ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB total, ${(os.freemem() / 2 ** 30).toFixed(1)} GiB free`);
console.log(`Node    ${process.version} on ${os.platform()} ${os.arch()}`);
console.log(`Timing  ${WARMUP_MS} ms warm-up, ${MEASURE_MS} ms measured, single thread\n`);

console.log('360-month schedules per second (buildSchedule, ¥100,000 at 6.48%)');
for (const method of REPAYMENT_METHODS) {
  console.log(`  ${method.padEnd(18)}${fmt(throughput((i) => buildSchedule(loan(method, i)).ok))}`);
}

const schedule = buildSchedule(loan('equal_installment', 0));
if (!schedule.ok) throw new Error(schedule.error.code);
const s360: Schedule = schedule.value;
const twelve = buildSchedule({ ...loan('equal_installment', 0), termMonths: 12 });
if (!twelve.ok) throw new Error(twelve.error.code);
const s12: Schedule = twelve.value;
const fee = [{ amount: 100_000, when: 'upfront' as const }];
console.log('\nAPR solves per second (aprFromSchedule, ¥1,000 upfront fee)');
console.log(`  ${'12 months'.padEnd(18)}${fmt(throughput(() => aprFromSchedule(s12, fee).ok))}`);
console.log(`  ${'360 months'.padEnd(18)}${fmt(throughput(() => aprFromSchedule(s360, fee).ok))}`);
console.log('\nFull quotes per second (quoteLoan: validate + schedule + APR)');
console.log(`  ${'12 months'.padEnd(18)}${fmt(throughput((i) => quoteLoan({ ...loan('equal_installment', i), termMonths: 12, fees: fee }).ok))}`);
console.log(`  ${'360 months'.padEnd(18)}${fmt(throughput((i) => quoteLoan({ ...loan('equal_installment', i), fees: fee }).ok))}`);
