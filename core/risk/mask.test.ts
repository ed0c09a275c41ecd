import { describe, expect, it } from 'vitest';
import { maskBankCard, maskIdNumber, maskMobile, maskName, maskSocialCreditCode } from './mask.js';

describe('masking', () => {
  it('masks ID numbers to region + last 4', () => {
    expect(maskIdNumber('110105199001011234')).toBe('110105********1234');
    expect(maskIdNumber('123')).toBe('***');
  });

  it('masks mobiles to 3 + 4', () => {
    expect(maskMobile('13812345678')).toBe('138****5678');
    expect(maskMobile('12345')).toBe('***45');
  });

  it('masks card numbers to first 4 + last 4', () => {
    expect(maskBankCard('6217001234567890123')).toBe('6217********0123');
    expect(maskBankCard('4512345678901234')).toBe('4512********1234');
    expect(maskBankCard('12345')).toBe('*****');
  });

  it('masks names and USCCs', () => {
    expect(maskName('张三')).toBe('张*');
    expect(maskName('欧阳娜娜')).toBe('欧***');
    expect(maskName('李')).toBe('*');
    expect(maskSocialCreditCode('91440300708461136T')).toBe('914403**********6T');
  });
});
