import { describe, expect, it } from 'vitest';
import { deleteAt, maskIdNumber, maskSentText, reconcile, replaceRange } from './idMask.js';

describe('ID number masking as typed', () => {
  it('masks the birth date, keeping the region and the last four', () => {
    expect(maskIdNumber('430702198605120230')).toBe('430702********0230');
    expect(maskIdNumber('4307021')).toBe('430702*');
    expect(maskIdNumber('43070')).toBe('43070');
    expect(maskIdNumber('')).toBe('');
  });

  it('types, pastes and deletes on the real value, caret for caret', () => {
    let edit = { value: '', caret: 0 };
    for (const ch of '43070219860512023x') edit = replaceRange(edit.value, edit.caret, edit.caret, ch);
    expect(edit).toEqual({ value: '43070219860512023X', caret: 18 });
    expect(replaceRange(edit.value, 18, 18, '9')).toEqual({ value: edit.value, caret: 18 });
    expect(deleteAt(edit.value, 18, 18, true)).toEqual({ value: '43070219860512023', caret: 17 });
    expect(deleteAt('4307', 0, 0, true)).toEqual({ value: '4307', caret: 0 });
    expect(deleteAt('4307', 1, 1, false)).toEqual({ value: '407', caret: 1 });
    expect(deleteAt('430702', 2, 4, true)).toEqual({ value: '4302', caret: 2 });
    expect(replaceRange('', 0, 0, ' 4307-0219 8605 1202 30 ')).toEqual({ value: '430702198605120230', caret: 18 });
    expect(replaceRange('430702198605120230', 6, 14, '19900101')).toEqual({ value: '430702199001010230', caret: 14 });
  });

  it('recovers the real value behind a shown one changed without typing', () => {
    expect(reconcile('430702198605', '430702******1')).toBe('4307021986051');
    expect(reconcile('', '430702198605120230')).toBe('430702198605120230');
    expect(reconcile('4307', '43')).toBe('43');
  });
});

describe('numbers typed full-width or in a sentence', () => {
  it('takes full-width digits and X into the ID number', () => {
    expect(replaceRange('', 0, 0, '４３０７０２－１９８６０５１２０２３ｘ')).toEqual({ value: '43070219860512023X', caret: 18 });
    expect(reconcile('', '４３０７０２１９８６０５１２０２３０')).toBe('430702198605120230');
  });

  it('shows a sent message with its personal numbers masked, however typed', () => {
    expect(maskSentText('我的手机 132 3460 8845')).toBe('我的手机 132****8845');
    expect(maskSentText('+8613234608845')).toBe('132****8845');
    expect(maskSentText('４３０７０２１９８１０４１３４８６１')).toBe('430702********4861');
    expect(maskSentText('借3万，12期，2026-12-05')).toBe('借3万，12期，2026-12-05');
  });
});
