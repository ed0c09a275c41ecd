import { describe, expect, it } from 'vitest';
import { isPlausibleRegionCode, provinceName } from './regionCodes.js';

describe('isPlausibleRegionCode', () => {
  it('accepts known provinces with a city section, and permit prefixes only as x0000', () => {
    for (const ok of ['110105', '430702', '429004', '650102', '810000', '820000', '830000']) expect(isPlausibleRegionCode(ok)).toBe(true);
    for (const bad of ['990101', '160101', '430002', '810101', '71000', '4307021', 'abcdef', '']) expect(isPlausibleRegionCode(bad)).toBe(false);
  });

  it('names provinces by number', () => {
    expect(provinceName(43)).toBe('湖南省');
    expect(provinceName(99)).toBe('');
  });
});
