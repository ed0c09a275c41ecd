import { describe, expect, it } from 'vitest';
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
  it('returns undefined for numbers out of range and for nonsense', () => {
    expect(pickOption('4', options)).toBeUndefined();
    expect(pickOption('0', options)).toBeUndefined();
    expect(pickOption('等额', options)).toBeUndefined(); // ambiguous
    expect(pickOption('🙂', options)).toBeUndefined();
  });
});
