import { describe, expect, it } from 'vitest';
import { StatementNames } from './statementNames.js';

describe('prepared statement names', () => {
  it('names a text from its second use, the same name after, and at most max texts', () => {
    const names = new StatementNames(2, 2);
    expect(names.name('SELECT 1')).toBeUndefined();
    const one = names.name('SELECT 1');
    expect(one).toMatch(/^kd_[0-9a-f]{24}_\d+$/);
    expect(names.name('SELECT 1')).toBe(one);
    names.name('SELECT 2');
    const two = names.name('SELECT 2');
    expect(two).toBeDefined();
    expect(two).not.toBe(one);
    names.name('SELECT 3');
    expect(names.name('SELECT 3')).toBeUndefined();
  });

  it('gives a text a new name once its prepared plan was refused', () => {
    const names = new StatementNames(10, 1);
    const first = names.name('SELECT * FROM t');
    names.renamed('SELECT * FROM t');
    const second = names.name('SELECT * FROM t');
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
    names.renamed('never named');
    expect(names.name('never named')).toBeDefined();
  });
});
