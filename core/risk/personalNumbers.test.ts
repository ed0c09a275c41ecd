import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateMobile } from './mobile.js';
import { compactNumber, containsPersonalNumber, findPersonalNumbers, maskPersonalNumbers, personalNumberAnswer, toHalfWidth } from './personalNumbers.js';
import { generateResidentId } from './residentId.js';

const only = (text: string) => findPersonalNumbers(text).map((n) => [n.kind, n.value, text.slice(n.start, n.end)]);

describe('toHalfWidth', () => {
  it('maps full-width digits, letters and signs one code unit for one', () => {
    expect(toHalfWidth('４３０７０２１９８１０４１３４８６Ｘ')).toBe('43070219810413486X');
    expect(toHalfWidth('＋８６\u3000１３２－３４６０．８８４５')).toBe('+86 132-3460.8845');
    expect(toHalfWidth('手机：１３２')).toBe('手机:132');
    const s = '我的手机１３２ ３４６０ ８８４５。';
    expect(toHalfWidth(s)).toHaveLength(s.length);
  });
});

describe('findPersonalNumbers: mobiles however typed', () => {
  it.each([
    ['13234608845', '13234608845'],
    ['132 3460 8845', '132 3460 8845'],
    ['132-3460-8845', '132-3460-8845'],
    ['132.3460.8845', '132.3460.8845'],
    ['132 - 3460 - 8845', '132 - 3460 - 8845'],
    ['1323460 8845', '1323460 8845'],
    ['+8613234608845', '+8613234608845'],
    ['+86 132 3460 8845', '+86 132 3460 8845'],
    ['+86-132-3460-8845', '+86-132-3460-8845'],
    ['0086 132-3460-8845', '0086 132-3460-8845'],
    ['008613234608845', '008613234608845'],
    ['86 132 3460 8845', '86 132 3460 8845'],
    ['8613234608845', '8613234608845'],
    ['１３２３４６０８８４５', '１３２３４６０８８４５'],
    ['＋８６\u3000１３２－３４６０－８８４５', '＋８６\u3000１３２－３４６０－８８４５'],
    ['132\u00A03460\u00A08845', '132\u00A03460\u00A08845'],
  ])('%s', (typed, span) => {
    expect(only(`我的手机 ${typed} 谢谢`)).toEqual([['mobile', '13234608845', span]]);
    expect(only(`手机${typed}`)).toEqual([['mobile', '13234608845', span]]);
    expect(maskPersonalNumbers(`我的手机 ${typed}，请回电`)).toBe('我的手机 132****8845，请回电');
  });
});

describe('findPersonalNumbers: ID numbers however typed', () => {
  it.each([
    ['430702198104134861', '430702198104134861'],
    ['430702-19810413-4861', '430702198104134861'],
    ['430702 19810413 4861', '430702198104134861'],
    ['430702 1981 0413 4861', '430702198104134861'],
    ['4307 0219 8104 1348 61', '430702198104134861'],
    ['430702.19810413.4861', '430702198104134861'],
    ['４３０７０２１９８１０４１３４８６１', '430702198104134861'],
    ['４３０７０２－１９８１０４１３－４８６１', '430702198104134861'],
    ['11010519900307123X', '11010519900307123X'],
    ['11010519900307123x', '11010519900307123X'],
    ['１１０１０５１９９００３０７１２３Ｘ', '11010519900307123X'],
    ['１１０１０５１９９００３０７１２３ｘ', '11010519900307123X'],
    ['110105-19900307-123X', '11010519900307123X'],
    ['430702860512023', '430702860512023'],
  ])('%s', (typed, value) => {
    expect(only(`身份证${typed}。`)).toEqual([['id_number', value, typed]]);
    expect(maskPersonalNumbers(`身份证 ${typed} 好的`)).toBe(`身份证 ${value.slice(0, 6)}${'*'.repeat(value.length - 10)}${value.slice(-4)} 好的`);
  });

  it('reads an ID with a wrong check digit as an ID too (it is still someone’s number)', () => {
    expect(only('430702198104134862')).toEqual([['id_number', '430702198104134862', '430702198104134862']]);
  });
});

describe('findPersonalNumbers: bank cards however typed', () => {
  it.each([
    ['6217 0012 3456 7890 123', '6217001234567890123'],
    ['6217-0012-3456-7890-123', '6217001234567890123'],
    ['6217001234567890123', '6217001234567890123'],
    ['6222 0212 3456 7890', '6222021234567890'],
    ['621700 1234567890123', '6217001234567890123'],
    ['４５１２　３４５６　７８９０　１２３４', '4512345678901234'],
  ])('%s', (typed, value) => {
    expect(only(`卡号：${typed}`)).toEqual([['bank_card', value, typed]]);
    expect(maskPersonalNumbers(`卡号：${typed}`)).toBe(`卡号：${value.slice(0, 4)}********${value.slice(-4)}`);
  });
});

describe('findPersonalNumbers: what is not a personal number stays as typed', () => {
  it.each([
    '借 30000 元',
    '3万',
    '30000',
    '100000000',
    '¥179,000.00',
    '1,000,000,000',
    '10000000000000000',
    '100000000000000000',
    '2026-12-05',
    '2026.12.05 10:00',
    '2026-12-22 10:00',
    '验证码 123456',
    '123 456',
    '6.48%',
    '流水号 DD20261122001',
    '95588',
    '400-820-8888',
    '0731-88888888',
    '12812345678',
    '1323460884',
    '132346088451',
    '+1 650 253 0000',
    '12 期',
    'https://loans.example-bank.cn/?ref=M001',
    '3000 2000 1000',
    'order 20261122 amount 30000',
    '1732240000000',
    '550e8400-e29b-41d4-a716-446655440000',
  ])('%s', (text) => {
    expect(findPersonalNumbers(text)).toEqual([]);
    expect(maskPersonalNumbers(text)).toBe(text);
    expect(containsPersonalNumber(text)).toBe(false);
  });

  it('an amount next to a mobile is an amount and a mobile, not a card', () => {
    expect(maskPersonalNumbers('借30000 13234608845')).toBe('借30000 132****8845');
    expect(maskPersonalNumbers('2026-12-05 13234608845')).toBe('2026-12-05 132****8845');
    expect(maskPersonalNumbers('验证码 123456 手机 132 3460 8845')).toBe('验证码 123456 手机 132****8845');
  });

  it('finds several numbers in one message', () => {
    const text = '身份证430702198104134861，手机+86 132-3460-8845，卡 6217 0012 3456 7890 123，借3万';
    expect(maskPersonalNumbers(text)).toBe('身份证430702********4861，手机132****8845，卡 6217********0123，借3万');
    expect(maskPersonalNumbers('430702198104134861 13234608845')).toBe('430702********4861 132****8845');
    expect(maskPersonalNumbers('13234608845 13807360001')).toBe('132****8845 138****0001');
  });

  it('reads four groups of four as a card even when they might be amounts: masking wins the doubt', () => {
    expect(maskPersonalNumbers('3000 2000 1000 5000')).toBe('3000********5000');
  });

  it('takes a trailing X only as an ID check character', () => {
    expect(maskPersonalNumbers('13234608845x')).toBe('132****8845x');
  });

  it('masks every generated ID and mobile, in any of the usual shapes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2_000_000_000 }), fc.constantFrom('', ' ', '-', '.', '\u3000'), fc.boolean(), (serial, sep, wide) => {
        const mobile = generateMobile(serial);
        const id = generateResidentId({ regionCode: '430702', birthDate: '1981-04-13', sex: serial % 2 ? 'male' : 'female', serial: serial % 500 });
        const typed = `手机${mobile.slice(0, 3)}${sep}${mobile.slice(3, 7)}${sep}${mobile.slice(7)} 身份证${id.slice(0, 6)}${sep}${id.slice(6, 14)}${sep}${id.slice(14)}`;
        const text = wide ? typed.replace(/[0-9X]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)) : typed;
        const masked = maskPersonalNumbers(text);
        expect(masked).toBe(`手机${mobile.slice(0, 3)}****${mobile.slice(7)} 身份证${id.slice(0, 6)}********${id.slice(14)}`);
      }),
      { numRuns: 500 },
    );
  });
});

describe('reading one number from an answer', () => {
  it('takes the one number of the kind asked for, normalised', () => {
    expect(personalNumberAnswer('我的手机 132 3460 8845', 'mobile')).toBe('13234608845');
    expect(personalNumberAnswer('＋８６ １３２－３４６０－８８４５', 'mobile')).toBe('13234608845');
    expect(personalNumberAnswer('身份证号是 430702-19810413-486x 谢谢', 'id_number')).toBe('43070219810413486X');
  });

  it('otherwise hands the compacted answer to the validator', () => {
    expect(personalNumberAnswer('132 3460 884', 'mobile')).toBe('1323460884');
    expect(personalNumberAnswer('13234608845 或 13807360001', 'mobile')).toBe('13234608845或13807360001');
    expect(personalNumberAnswer('430702 19810413 486', 'id_number')).toBe('43070219810413486');
    expect(compactNumber(' ４３０７０２－１９８１ ')).toBe('4307021981');
  });
});
