import { describe, expect, it } from 'vitest';
import { DEMO_PERSONAL_PRODUCT, decideApplication, generateResidentId } from '../../../core/index.js';
import { csvRecords } from './csvRecords.js';
import { readHeader, readRow } from './precreditColumns.js';
import { precreditProfile, precreditRequest, scorePrecredit } from './scorePrecredit.js';
import { syntheticCustomerCsv } from './syntheticCustomers.js';

async function records(...chunks: (string | Uint8Array)[]) {
  const out = [];
  for await (const r of csvRecords((async function* () { yield* chunks; })())) out.push(r);
  return out;
}

const ID = generateResidentId({ regionCode: '430702', birthDate: '1988-03-15', sex: 'male', serial: 12 });

describe('csvRecords', () => {
  it('reads quoted fields with commas, quotes and line breaks, CRLF, and counts lines', async () => {
    const r = await records('a,b,c\r\n1,"x, y","say ""hi"""\r\n', '\r\n2,"two\nlines",z\n3,4,5');
    expect(r).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['1', 'x, y', 'say "hi"'] },
      { line: 4, fields: ['2', 'two\nlines', 'z'] },
      { line: 6, fields: ['3', '4', '5'] },
    ]);
  });

  it('strips a UTF-8 BOM and decodes characters split across chunks', async () => {
    const bytes = Buffer.from('\uFEFF客户号,姓名\nC1,演示\n', 'utf8');
    const r = await records(bytes.subarray(0, 5), bytes.subarray(5, 9), bytes.subarray(9));
    expect(r.map((x) => x.fields)).toEqual([['客户号', '姓名'], ['C1', '演示']]);
  });

  it('hands on a record whose quote never closes with its start line', async () => {
    const r = await records('a,b\n1,"open\n2,3\n');
    expect(r[1]?.line).toBe(2);
    expect(r[1]?.fields[0]).toBe('\u0000unterminated');
  });
});

describe('readHeader and readRow', () => {
  it('accepts Chinese and English names, in any order, ignoring unknown columns', () => {
    const zh = readHeader(['姓名', '客户号', '身份证号', '手机号', '备注']);
    const en = readHeader(['customerRef', 'name', 'idNumber', 'Mobile', 'depositAvg6m', 'customer_months']);
    expect(zh.ok && zh.index).toMatchObject({ name: 0, customerRef: 1, idNumber: 2, mobile: 3 });
    expect(zh.ok && zh.ignored).toEqual(['备注']);
    expect(en.ok && en.index).toMatchObject({ customerRef: 0, depositAvg6m: 4, customerMonths: 5 });
  });

  it('names the missing required columns', () => {
    const h = readHeader(['客户号', '姓名']);
    expect(h).toEqual({ ok: false, message: 'the header lacks 身份证号 (idNumber), 手机号 (mobile)' });
  });

  it('maps money in yuan to fen and a source to all or nothing', () => {
    const h = readHeader(['客户号', '姓名', '身份证号', '手机号', '近6月日均存款', '开户月数', '代发工资月均', '月收入']);
    if (!h.ok) throw new Error(h.message);
    const r = readRow(['C1', '演示', ID, '13800000001', '12,345.6', '24', '8000', '9000.05'], h.index);
    expect(r.ok && r.row.profile).toEqual({
      person: { name: '演示', idNumber: ID, mobile: '13800000001' },
      declaredMonthlyIncome: 900_005,
      sources: { bank: { depositAvg6m: 1_234_560, customerMonths: 24, payroll: true, payrollMonthlyAverage: 800_000 } },
    });
    expect(readRow(['C1', '演示', ID, '13800000001', '100', '', '', ''], h.index)).toEqual({ ok: false, message: 'bank account: 开户月数 (customerMonths) empty while other bank account columns are filled' });
    expect(readRow(['C1', '演示', ID, '13800000001', '1e5', '3', '', ''], h.index)).toEqual({ ok: false, message: '近6月日均存款 (depositAvg6m) is not an amount in yuan: "1e5"' });
    expect(readRow(['', '演示', ID, '13800000001', '', '', '', ''], h.index)).toEqual({ ok: false, message: '客户号 (customerRef) is empty' });
  });
});

describe('scorePrecredit', () => {
  it('is the core decision for the same facts: whitelisted rows carry its limit, rate, score and grade; excluded rows its reasons', async () => {
    const text = [...syntheticCustomerCsv(400, { asOf: '2026-12-01', seed: 7 })].join('');
    const recs = await records(text);
    const h = readHeader(recs[0]!.fields);
    if (!h.ok) throw new Error(h.message);
    const product = DEMO_PERSONAL_PRODUCT;
    const request = precreditRequest(product);
    let whitelisted = 0;
    let excluded = 0;
    for (const rec of recs.slice(1)) {
      const row = readRow(rec.fields, h.index);
      if (!row.ok) throw new Error(row.message);
      const s = scorePrecredit(product, row.row, '2026-12-05');
      const d = decideApplication(product, precreditProfile(row.row, request), '2026-12-05');
      if (!d.ok) throw new Error(d.error.message);
      if (s.outcome === 'whitelisted') {
        whitelisted++;
        expect(d.value.outcome === 'approved' || d.value.reasons.every((x) => x.code === 'IDENTITY_NOT_VERIFIED')).toBe(true);
        expect([s.limitFen, s.ratePpm / 1e6, s.score, s.grade]).toEqual([d.value.limit, d.value.rate, d.value.score, d.value.grade]);
      } else if (s.outcome === 'excluded') {
        excluded++;
        expect(s.score).toBe(d.value.score);
        expect(s.reasons).toEqual(d.value.reasons.map((x) => x.code).filter((c) => c !== 'IDENTITY_NOT_VERIFIED'));
      } else throw new Error(`rejected ${s.message}`);
    }
    expect(whitelisted).toBeGreaterThan(50);
    expect(excluded).toBeGreaterThan(50);
  });

  it('rejects a row the core cannot read (an ID number with a wrong check digit)', () => {
    const h = readHeader(['客户号', '姓名', '身份证号', '手机号']);
    if (!h.ok) throw new Error(h.message);
    const bad = `${ID.slice(0, 17)}${ID[17] === '1' ? '2' : '1'}`;
    const row = readRow(['C1', '演示', bad, '13800000001'], h.index);
    if (!row.ok) throw new Error(row.message);
    expect(scorePrecredit(DEMO_PERSONAL_PRODUCT, row.row, '2026-12-05')).toMatchObject({ outcome: 'rejected' });
  });
});
