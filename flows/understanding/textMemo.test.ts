import { describe, expect, it } from 'vitest';
import { textMemo } from './textMemo.js';

describe('textMemo', () => {
  it('answers a text from memory within one run of code, and asks again after it', async () => {
    const asked: string[] = [];
    const upper = textMemo((t) => {
      asked.push(t);
      return t.toUpperCase();
    });
    expect([upper('退订'), upper('退订'), upper('abc'), upper('abc')]).toEqual(['退订', '退订', 'ABC', 'ABC']);
    expect(asked).toEqual(['退订', 'abc']);
    // Dropped once the current run ends: what a borrower typed does not stay in memory.
    await Promise.resolve();
    expect(upper('abc')).toBe('ABC');
    expect(asked).toEqual(['退订', 'abc', 'abc']);
  });

  it('keeps neither long texts nor more than its limit', () => {
    let calls = 0;
    const length = textMemo(
      (t) => {
        calls++;
        return t.length;
      },
      { max: 2, maxLength: 5 },
    );
    length('123456');
    length('123456');
    expect(calls).toBe(2);
    length('a');
    length('b');
    length('c');
    length('c');
    expect(calls).toBe(6);
    length('a');
    expect(calls).toBe(6);
  });

  it('remembers undefined answers too', () => {
    let calls = 0;
    const none = textMemo(() => {
      calls++;
      return undefined;
    });
    none('x');
    none('x');
    expect(calls).toBe(1);
  });
});
