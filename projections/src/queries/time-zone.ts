/** Local midnight in an IANA time zone, with Intl only (no dependency). */
const formatters = new Map<string, Intl.DateTimeFormat>();

const formatter = (timeZone: string): Intl.DateTimeFormat => {
  let format = formatters.get(timeZone);
  if (format === undefined) {
    try {
      format = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      });
    } catch {
      // An unknown zone (never accepted by the organisation decider, but old data may hold one): UTC.
      format = formatter('UTC');
    }
    formatters.set(timeZone, format);
  }
  return format;
};

/** Milliseconds to add to UTC to get local wall time at `instant`. */
const offsetAt = (instant: number, timeZone: string): number => {
  const parts = formatter(timeZone).formatToParts(new Date(instant));
  const part = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const wall = Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second'));
  return wall - (instant - (((instant % 1000) + 1000) % 1000));
};

/** Epoch ms of the start of the local day containing `instant` in `timeZone`. */
export const startOfLocalDay = (instant: number, timeZone: string): number => {
  const local = new Date(instant + offsetAt(instant, timeZone));
  const midnightWall = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate());
  // The offset at midnight can differ from the one now (daylight saving changed during the day).
  const guess = midnightWall - offsetAt(instant, timeZone);
  return midnightWall - offsetAt(guess, timeZone);
};
