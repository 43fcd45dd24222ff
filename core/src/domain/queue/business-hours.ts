import { DomainError } from '../errors.ts';
import type { QueueSettings } from '../../events/queue-events.ts';
import { minutesOfDay } from '../validation.ts';

const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

// Building a DateTimeFormat is costly and the router asks on every offer: one per time zone.
const formats = new Map<string, Intl.DateTimeFormat>();
const formatFor = (timeZone: string): Intl.DateTimeFormat => {
  let format = formats.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formats.set(timeZone, format);
  }
  return format;
};

/** Weekday (0 = Sunday) and minutes since midnight of an instant, on the wall clock of a time zone. */
export const localWeekTime = (at: string, timeZone: string): { day: number; minutes: number } => {
  const instant = new Date(at);
  if (Number.isNaN(instant.getTime())) throw new DomainError('InvalidInput', `'${at}' is not an ISO date-time.`, { at });
  let day = -1;
  let hour = 0;
  let minute = 0;
  for (const part of formatFor(timeZone).formatToParts(instant)) {
    if (part.type === 'weekday') day = WEEKDAYS[part.value] ?? -1;
    else if (part.type === 'hour') hour = Number(part.value);
    else if (part.type === 'minute') minute = Number(part.value);
  }
  return { day, minutes: hour * 60 + minute };
};

/**
 * Whether the queue takes calls at `at`: business hours are read in their own time zone (daylight
 * saving included); a window is open from `open` inclusive to `close` exclusive. No hours = always open.
 */
export const isQueueOpen = (settings: QueueSettings, at: string): boolean => {
  const hours = settings.businessHours;
  if (hours === null) return true;
  const now = localWeekTime(at, hours.timeZone);
  return hours.windows.some((window) => {
    if (window.day !== now.day) return false;
    const open = minutesOfDay(window.open);
    const close = minutesOfDay(window.close);
    return open !== null && close !== null && open <= now.minutes && now.minutes < close;
  });
};
