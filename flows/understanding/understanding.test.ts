import { describe, expect, it } from 'vitest';
import { amountIn } from './amountIn.js';
import { pickOption } from './pickOption.js';
import { recognizeCommand, recognizeIntent } from './recognizeIntent.js';

describe('recognizeIntent', () => {
  it.each([
    ['我要借款', 'apply'],
    ['申请贷款', 'apply'],
    ['我想借钱', 'apply'],
    ['提现', 'draw'],
    ['我要用款', 'draw'],
    ['还款', 'repay'],
    ['提前还款', 'repay'],
    ['我的额度', 'limit'],
    ['看看账单', 'bill'],
    ['利率多少', 'rate'],
    ['年化是多少？', 'rate'],
    ['转人工', 'human'],
    ['人工客服', 'human'],
    ['退订', 'unsubscribe'],
    ['TD', 'unsubscribe'],
    ['取消订阅', 'unsubscribe'],
    ['恢复推送', 'resubscribe'],
    ['订阅', 'resubscribe'],
    ['取消授权', 'revoke'],
    ['帮助', 'help'],
    ['？', 'help'],
    ['取消', 'cancel'],
    ['返回', 'back'],
    ['下次再说', 'later'],
    ['你好', 'greeting'],
    ['Hi there', 'greeting'],
    ['English', 'english'],
    ['中文', 'chinese'],
    ['进度', 'status'],
    ['审批结果', 'status'],
    ['我的申请怎么样了', 'status'],
    ['申请进度', 'status'],
    ['批下来了吗', 'status'],
    ['还不上了', 'hardship'],
    ['能不能少还点', 'hardship'],
    ['想延期', 'hardship'],
    ['还款困难', 'hardship'],
  ])('%s → %s', (text, intent) => {
    expect(recognizeIntent(text)).toBe(intent);
  });

  it('does not read intents into unrelated text', () => {
    expect(recognizeIntent('张三')).toBeUndefined();
    expect(recognizeIntent('this is it')).toBeUndefined();
    expect(recognizeIntent('😀😀')).toBeUndefined();
    expect(recognizeIntent('')).toBeUndefined();
    expect(recognizeIntent('我'.repeat(100))).toBeUndefined();
  });

  it('only treats short messages as in-form commands', () => {
    expect(recognizeCommand('取消')).toBe('cancel');
    expect(recognizeCommand('转人工')).toBe('human');
    expect(recognizeCommand('我的公司名叫取消科技有限公司啊啊啊')).toBeUndefined();
    expect(recognizeCommand('我要借款')).toBeUndefined(); // not a command inside a form
  });
});

describe('pickOption', () => {
  const options = [
    { label: '等额本息（每月还款相同）', value: 'equal_installment' },
    { label: '等额本金', value: 'equal_principal' },
    { label: '先息后本', value: 'interest_first' },
  ];
  it.each([
    ['equal_principal', 'equal_principal'],
    ['2', 'equal_principal'],
    ['２', 'equal_principal'],
    ['②', 'equal_principal'],
    ['第二个', 'equal_principal'],
    ['三', 'interest_first'],
    ['等额本息', 'equal_installment'],
    ['先息后本', 'interest_first'],
  ])('%s → %s', (text, value) => {
    expect(pickOption(text, options)?.value).toBe(value);
  });
  it('can be told not to read numbers (the options are not on screen) or partial labels', () => {
    expect(pickOption('2', options, { numbers: false })).toBeUndefined();
    expect(pickOption('先息后本', options, { numbers: false })?.value).toBe('interest_first');
    expect(pickOption('等额本息', options, { partial: false })).toBeUndefined();
    expect(pickOption('等额本息（每月还款相同）', options, { partial: false })?.value).toBe('equal_installment');
  });
  it('returns undefined for numbers out of range and for nonsense', () => {
    expect(pickOption('4', options)).toBeUndefined();
    expect(pickOption('0', options)).toBeUndefined();
    expect(pickOption('等额', options)).toBeUndefined(); // ambiguous
    expect(pickOption('🙂', options)).toBeUndefined();
  });
});

describe('amountIn', () => {
  it.each([
    ['我想借5万块钱', 5_000_000],
    ['借五万元', 5_000_000],
    ['伍万', 5_000_000],
    ['想借5w', 5_000_000],
    ['I want to borrow 50k', 5_000_000],
    ['3万5', 3_500_000],
    ['借款 30000', 3_000_000],
  ])('%s → %i fen', (text, fen) => {
    expect(amountIn(text)).toBe(fen);
  });
  it('finds no amount where none is named', () => {
    for (const text of ['我想借钱', '我要借一笔', '第2个', '1', '还款']) expect(amountIn(text), text).toBeUndefined();
  });
});
