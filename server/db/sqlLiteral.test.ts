import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { sqlLiteral } from './sqlLiteral.js';

const samples = [
  '',
  'plain',
  "it's",
  "''",
  '\\',
  "a\\'b",
  'C:\\path\\to',
  '您好，我是快贷助手。回复 1 申请额度',
  '😀 emoji \u{1F680}',
  'lone \uD800 surrogate',
  'tab\tnew\nline\r\0nul',
  JSON.stringify({ text: "王小明's 申请", path: 'a\\b', nested: { quote: "'", emoji: '💰' } }),
  "'".repeat(1000) + '\\'.repeat(1000),
];

describe('sqlLiteral', () => {
  it("writes every string exactly as pg's escapeLiteral does", () => {
    for (const s of samples) expect(sqlLiteral(s), JSON.stringify(s)).toBe(pg.Client.prototype.escapeLiteral(s));
  });

  it('doubles quotes, and backslashes only in an escape string', () => {
    expect(sqlLiteral("it's")).toBe("'it''s'");
    expect(sqlLiteral("a\\'b")).toBe(" E'a\\\\''b'");
  });
});
