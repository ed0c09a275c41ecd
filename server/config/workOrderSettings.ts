import { DEFAULT_BUSINESS_CALENDAR, parseClockTime, validateBusinessCalendar, type BusinessCalendar, type ServiceLevel, type WarningLead } from '../../core/index.js';
import { ConfigError } from './configError.js';

export const WORK_ORDER_KINDS = ['handoff', 'complaint', 'manual_review', 'manual', 'collection'] as const;
export type WorkOrderKind = (typeof WORK_ORDER_KINDS)[number];

/** Working hours, the service level of each kind of work order, and how early the warning comes. */
export interface WorkOrderConfig {
  readonly calendar: BusinessCalendar;
  readonly sla: Readonly<Record<WorkOrderKind, ServiceLevel>>;
  readonly warningLead: WarningLead;
}

/**
 * A bank's usual service levels, in working minutes (first response / resolution): a person
 * answers a hand-off within 15 minutes and settles it in 4 hours; a complaint is acknowledged in
 * 2 hours and resolved in two working days; a manual review is picked up in 4 hours and decided in a day.
 */
export const DEFAULT_WORK_ORDER_SLA: Readonly<Record<WorkOrderKind, ServiceLevel>> = {
  handoff: { firstResponseMinutes: 15, resolutionMinutes: 240 },
  complaint: { firstResponseMinutes: 120, resolutionMinutes: 960 },
  manual_review: { firstResponseMinutes: 240, resolutionMinutes: 480 },
  manual: { firstResponseMinutes: 240, resolutionMinutes: 960 },
  // A borrower answering a reminder or overdue notice who asks for a person: answered like a hand-off.
  collection: { firstResponseMinutes: 15, resolutionMinutes: 240 },
};

export const DEFAULT_WORK_ORDER_CONFIG: WorkOrderConfig = { calendar: DEFAULT_BUSINESS_CALENDAR, sla: DEFAULT_WORK_ORDER_SLA, warningLead: { minutes: 30 } };

export interface WorkOrderSettings {
  readonly WORK_HOURS: string;
  readonly WORK_DAYS: string;
  readonly WORK_HOLIDAYS?: string | undefined;
  readonly WORK_MAKEUP_DAYS?: string | undefined;
  readonly WORK_ORDER_SLA?: string | undefined;
  readonly WORK_ORDER_WARN_BEFORE: string;
}

const list = (value: string | undefined): string[] => (value ?? '').split(/[,，\s]+/).filter(Boolean);

/** `1-5` or `1,2,3,4,5` or `1-6`: ISO weekdays, Monday 1 … Sunday 7. */
function parseWeekdays(value: string): number[] {
  const days = new Set<number>();
  for (const part of list(value)) {
    const m = /^([1-7])(?:-([1-7]))?$/.exec(part);
    if (!m) throw new ConfigError('WORK_DAYS', `"${part}" is not a weekday number or range (1 Monday … 7 Sunday, e.g. 1-5)`);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from) throw new ConfigError('WORK_DAYS', `"${part}" runs backwards`);
    for (let d = from; d <= to; d++) days.add(d);
  }
  return [...days].sort();
}

/** `handoff=15/240,complaint=120/960`: the kinds named replace their defaults. */
function parseSla(value: string | undefined): Record<WorkOrderKind, ServiceLevel> {
  const sla = { ...DEFAULT_WORK_ORDER_SLA };
  for (const entry of list(value)) {
    const m = /^([a-z_]+)=(\d{1,6})\/(\d{1,6})$/.exec(entry);
    if (!m) throw new ConfigError('WORK_ORDER_SLA', `"${entry}" must be kind=firstResponse/resolution in working minutes, e.g. complaint=120/960`);
    const kind = m[1] as WorkOrderKind;
    if (!WORK_ORDER_KINDS.includes(kind)) throw new ConfigError('WORK_ORDER_SLA', `unknown kind "${m[1]}" (${WORK_ORDER_KINDS.join(', ')})`);
    const level = { firstResponseMinutes: Number(m[2]), resolutionMinutes: Number(m[3]) };
    if (level.firstResponseMinutes < 1 || level.resolutionMinutes < level.firstResponseMinutes) {
      throw new ConfigError('WORK_ORDER_SLA', `${kind}: the first response must be at least 1 minute and no later than the resolution`);
    }
    sla[kind] = level;
  }
  return sla;
}

/** Validates the working-hours and service-level settings (loadConfig's part for work orders). */
export function parseWorkOrderSettings(raw: WorkOrderSettings): WorkOrderConfig {
  const hours = /^(\d\d:\d\d)-(\d\d:\d\d|24:00)$/.exec(raw.WORK_HOURS.trim());
  const opensAt = hours ? parseClockTime(hours[1]!) : null;
  const closesAt = hours ? (hours[2] === '24:00' ? 1440 : parseClockTime(hours[2]!)) : null;
  if (opensAt === null || closesAt === null || opensAt >= closesAt) throw new ConfigError('WORK_HOURS', 'must be HH:MM-HH:MM in Shanghai time, opening before closing (e.g. 09:00-18:00)');
  const calendar: BusinessCalendar = { opensAt, closesAt, weekdays: parseWeekdays(raw.WORK_DAYS), holidays: list(raw.WORK_HOLIDAYS), workdays: list(raw.WORK_MAKEUP_DAYS) };
  const checked = validateBusinessCalendar(calendar);
  if (!checked.ok) {
    const setting = checked.error.field === 'holidays' ? 'WORK_HOLIDAYS' : checked.error.field === 'workdays' ? 'WORK_MAKEUP_DAYS' : 'WORK_DAYS';
    throw new ConfigError(setting, checked.error.message);
  }
  const lead = /^(\d{1,5})(%?)$/.exec(raw.WORK_ORDER_WARN_BEFORE.trim());
  if (!lead || (lead[2] === '%' && Number(lead[1]) > 100)) throw new ConfigError('WORK_ORDER_WARN_BEFORE', 'must be working minutes (30) or a share of the service level (20%)');
  const warningLead: WarningLead = lead[2] === '%' ? { percent: Number(lead[1]) } : { minutes: Number(lead[1]) };
  return { calendar, sla: parseSla(raw.WORK_ORDER_SLA), warningLead };
}
