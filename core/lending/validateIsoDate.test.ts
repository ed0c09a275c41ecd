import { describe, expect, it } from 'vitest';
import { validateIsoDate } from './validateIsoDate.js';

describe('validateIsoDate', () => {
  it('accepts a real date and names the field of a wrong one', () => {
    const r = validateIsoDate('2023-02-29', 'startDate');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ code: 'DATE_INVALID', field: 'startDate' });
    expect(validateIsoDate('2024-02-29')).toEqual({ ok: true, value: '2024-02-29' });
    expect(validateIsoDate(20240229).ok).toBe(false);
  });
});
