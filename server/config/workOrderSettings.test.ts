import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './loadConfig.js';
import { DEFAULT_WORK_ORDER_SLA } from './workOrderSettings.js';

const load = (env: Record<string, string>) => loadConfig({ KUAIDAI_ENV: 'test', ...env }, '/tmp');
const refusal = (env: Record<string, string>): string | undefined => {
  try {
    load(env);
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).message;
  }
};

describe('work-order settings', () => {
  it('default to 09:00–18:00 Monday to Friday, the bank service levels and a 30-minute warning', () => {
    const { workOrders } = load({});
    expect(workOrders.calendar).toEqual({ opensAt: 540, closesAt: 1080, weekdays: [1, 2, 3, 4, 5], holidays: [], workdays: [] });
    expect(workOrders.sla).toEqual(DEFAULT_WORK_ORDER_SLA);
    expect(workOrders.warningLead).toEqual({ minutes: 30 });
  });

  it('reads hours, days, holidays, make-up days, levels per kind and a share as the lead', () => {
    const { workOrders } = load({
      WORK_HOURS: '08:30-17:30',
      WORK_DAYS: '1-5,6',
      WORK_HOLIDAYS: '2026-10-01,2026-10-02',
      WORK_MAKEUP_DAYS: '2026-10-10',
      WORK_ORDER_SLA: 'complaint=60/480',
      WORK_ORDER_WARN_BEFORE: '20%',
    });
    expect(workOrders.calendar).toEqual({ opensAt: 510, closesAt: 1050, weekdays: [1, 2, 3, 4, 5, 6], holidays: ['2026-10-01', '2026-10-02'], workdays: ['2026-10-10'] });
    expect(workOrders.sla.complaint).toEqual({ firstResponseMinutes: 60, resolutionMinutes: 480 });
    expect(workOrders.sla.handoff).toEqual(DEFAULT_WORK_ORDER_SLA.handoff);
    expect(workOrders.warningLead).toEqual({ percent: 20 });
  });

  it('names the setting that is wrong', () => {
    expect(refusal({ WORK_HOURS: '18:00-09:00' })).toMatch(/^WORK_HOURS/);
    expect(refusal({ WORK_DAYS: '0-4' })).toMatch(/^WORK_DAYS/);
    expect(refusal({ WORK_HOLIDAYS: '2026-13-01' })).toMatch(/^WORK_HOLIDAYS/);
    expect(refusal({ WORK_HOLIDAYS: '2026-10-10', WORK_MAKEUP_DAYS: '2026-10-10' })).toMatch(/^WORK_HOLIDAYS/);
    expect(refusal({ WORK_ORDER_SLA: 'refund=1/2' })).toMatch(/^WORK_ORDER_SLA.*unknown kind/);
    expect(refusal({ WORK_ORDER_SLA: 'handoff=30/10' })).toMatch(/^WORK_ORDER_SLA/);
    expect(refusal({ WORK_ORDER_WARN_BEFORE: '120%' })).toMatch(/^WORK_ORDER_WARN_BEFORE/);
  });
});
