import { addBusinessMinutes, type BusinessCalendar } from './businessHours.js';

/** A service level in working minutes: by when someone answers, and by when it is resolved. */
export interface ServiceLevel {
  readonly firstResponseMinutes: number;
  readonly resolutionMinutes: number;
}

/** How long before a deadline the warning comes: a number of working minutes, or a share of the service level. */
export type WarningLead = { readonly minutes: number } | { readonly percent: number };

/** One deadline and when to warn about it (epoch ms). */
export interface Deadline {
  readonly dueAt: number;
  readonly warnAt: number;
}

export interface ServiceDeadlines {
  readonly firstResponse: Deadline;
  readonly resolution: Deadline;
}

/** The warning moment of a level of `minutes` counted from `startMs`: never before the start. */
export function deadline(startMs: number, minutes: number, lead: WarningLead, calendar: BusinessCalendar): Deadline {
  const before = 'minutes' in lead ? lead.minutes : (minutes * lead.percent) / 100;
  return { dueAt: addBusinessMinutes(startMs, minutes, calendar), warnAt: addBusinessMinutes(startMs, Math.max(0, minutes - before), calendar) };
}

/** Both deadlines of a work order opened at `startMs`, in working hours. */
export const serviceDeadlines = (startMs: number, level: ServiceLevel, lead: WarningLead, calendar: BusinessCalendar): ServiceDeadlines => ({
  firstResponse: deadline(startMs, level.firstResponseMinutes, lead, calendar),
  resolution: deadline(startMs, level.resolutionMinutes, lead, calendar),
});
