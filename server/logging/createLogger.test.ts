import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './createLogger.js';
import { scrubPii } from './scrubPii.js';

const capture = () => {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { lines, logger: createLogger('info', 'json', stream) };
};

describe('logging', () => {
  it('masks ID, mobile and card numbers inside free text', () => {
    expect(scrubPii('身份证 11010519900307123X 手机13812345678')).toBe('身份证 110105********123X 手机138****5678');
    expect(scrubPii('卡号6222021234567890123')).toBe('卡号6222********0123');
    expect(scrubPii('order 20261122 amount 30000')).toBe('order 20261122 amount 30000');
  });

  it('masks them however typed: separators, +86/0086, full-width', () => {
    expect(scrubPii('手机 132 3460 8845 / +8613234608845 / 0086 132-3460-8845')).toBe('手机 132****8845 / 132****8845 / 132****8845');
    expect(scrubPii('身份证 430702-19810413-4861 或 ４３０７０２１９８１０４１３４８６１')).toBe('身份证 430702********4861 或 430702********4861');
    expect(scrubPii('卡号 6217 0012 3456 7890 123')).toBe('卡号 6217********0123');
    expect(scrubPii('借 30000 元，2026-12-05 还，验证码 123456')).toBe('借 30000 元，2026-12-05 还，验证码 123456');
  });

  it('redacts sensitive fields and scrubs messages', () => {
    const { lines, logger } = capture();
    logger.info({ borrower: { idNumber: '11010519900307123X', phone: '13812345678', name: '张三' }, token: 'secret-token' }, 'borrower 11010519900307123X applied');
    const out = lines.join('');
    expect(out).not.toContain('11010519900307123X');
    expect(out).not.toContain('13812345678');
    expect(out).not.toContain('secret-token');
    expect(out).toContain('[redacted]');
    expect(out).toContain('110105********123X');
  });

  it('scrubs numbers typed with separators in messages, format arguments and errors', () => {
    const { lines, logger } = capture();
    logger.info('turn from %s', '+86 132-3460-8845');
    logger.error({ err: new Error('could not read 430702-19810413-4861') }, 'failed for 132 3460 8845');
    logger.warn({ err: 'not an error' }, 'odd');
    const out = lines.join('');
    for (const clear of ['3460', '19810413']) expect(out).not.toContain(clear);
    expect(out).toContain('132****8845');
    expect(out).toContain('430702********4861');
  });
});
