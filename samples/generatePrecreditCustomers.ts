// `npx tsx samples/generatePrecreditCustomers.ts [count] [out.csv]`: writes a SYNTHETIC pre-credit
// customer file (fake names 演示客户…, valid ID check digits) in the documented columns. The repo's
// samples/precredit-customers.csv is its first 200 rows; the benchmark makes its millions the same way.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { syntheticCustomerCsv } from '../server/studio/precredit/index.js';

const count = Number(process.argv[2] ?? 200);
const out = process.argv[3] ?? 'samples/precredit-customers.csv';
if (!Number.isInteger(count) || count < 1) {
  console.error('usage: npx tsx samples/generatePrecreditCustomers.ts [count] [out.csv]');
  process.exit(2);
}
const stream = createWriteStream(out);
for (const piece of syntheticCustomerCsv(count, { asOf: '2026-12-01' })) if (!stream.write(piece)) await once(stream, 'drain');
stream.end();
await once(stream, 'finish');
console.log(`${count} synthetic customers → ${out}`);
