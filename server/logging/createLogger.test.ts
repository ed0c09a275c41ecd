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
});
