import { describe, expect, it } from 'vitest';
import { demoPersona, earlyWarning, generateResidentId } from '../../core/index.js';
import { SandboxBehaviourData } from './sandboxBehaviourData.js';

const provider = new SandboxBehaviourData({ info: () => {} });
const query = (idNumber: string) => ({ borrowerId: '00000000-0000-4000-8000-000000000001', idNumber, asOf: '2026-06-30', at: Date.parse('2026-06-30T02:00:00Z') });

describe('sandbox post-loan observations', () => {
  it('answers the demo personas the same way every time', async () => {
    const id = demoPersona('thin_file').profile.person.idNumber;
    const a = await provider.observe(query(id));
    expect(a).toEqual(await provider.observe(query(id)));
    expect(a).toMatchObject({ ok: true, data: { depositBalance: 1_200_000, unsettledLendersNow: 4 } });
    expect(await provider.observe(query(demoPersona('enterprise_owner').profile.person.idNumber))).toMatchObject({ ok: true, data: { businessStatus: 'active' } });
  });

  it('observes nobody else: no made-up data', async () => {
    const stranger = generateResidentId({ regionCode: '430702', birthDate: '1990-01-01', serial: 123, sex: 'female' });
    expect(await provider.observe(query(stranger))).toEqual({ ok: true, data: null });
  });

  it('gives the demo its stories: the excellent file and the enterprise owner (renewal) healthy, the thin file red', async () => {
    const level = async (key: 'excellent' | 'thin_file' | 'enterprise_owner') => {
      const r = await provider.observe(query(demoPersona(key).profile.person.idNumber));
      if (!r.ok || !r.data) throw new Error('observed');
      const w = earlyWarning({ currentDpd: 0, maxDpd6m: 0, lineLimit: 10_000_000, outstanding: 3_000_000, monthsOnBook: 3, ...r.data });
      if (!w.ok) throw new Error(w.error.message);
      return w.value.level;
    };
    expect(await level('excellent')).toBe('none');
    expect(await level('thin_file')).toBe('red');
    expect(await level('enterprise_owner')).toBe('none');
  });
});
