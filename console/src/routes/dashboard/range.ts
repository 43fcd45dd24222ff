/**
 * The dashboard's time ranges (in the browser's local time) and how metrics intervals (15-minute
 * buckets from the API) are summed into the chart's bars: per hour for one day, per day otherwise.
 */

export type Preset = 'today' | '7d' | '30d' | 'custom';

export interface Range {
  from: Date;
  to: Date;
  label: string;
  /** Bars per hour for a single day, per day for longer ranges. */
  step: 'hour' | 'day';
}

/** A custom range is capped so the 15-minute intervals stay a small answer. */
export const MAX_CUSTOM_DAYS = 92;

const DAY_MS = 86_400_000;

export const startOfDay = (at: Date): Date => {
  const day = new Date(at);
  day.setHours(0, 0, 0, 0);
  return day;
};

const addDays = (at: Date, days: number): Date => {
  const next = new Date(at);
  next.setDate(next.getDate() + days);
  return next;
};

/** `yyyy-mm-dd` of a local day, as `<input type="date">` reads and writes it. */
export const dayValue = (at: Date): string =>
  `${at.getFullYear()}-${String(at.getMonth() + 1).padStart(2, '0')}-${String(at.getDate()).padStart(2, '0')}`;

const parseDay = (value: string): Date | null => {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (match === null) return null;
  const day = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return Number.isNaN(day.getTime()) ? null : day;
};

const dayLabel = (at: Date): string => at.toLocaleDateString([], { day: 'numeric', month: 'short' });

/** The range a preset names, ending now (a second ahead, so a call that just arrived is inside). */
export const presetRange = (preset: Exclude<Preset, 'custom'>, now: Date): Range => {
  const to = new Date(now.getTime() + 1000);
  const today = startOfDay(now);
  if (preset === 'today') return { from: today, to, label: 'Today', step: 'hour' };
  const days = preset === '7d' ? 7 : 30;
  return { from: addDays(today, -(days - 1)), to, label: `Last ${days} days`, step: 'day' };
};

/** A custom range of whole local days, both ends included, or the reason it cannot be used. */
export const customRange = (fromValue: string, toValue: string): Range | { error: string } => {
  const first = parseDay(fromValue);
  const last = parseDay(toValue);
  if (first === null || last === null) return { error: 'Choose both a start and an end date.' };
  if (last < first) return { error: 'The end date must be on or after the start date.' };
  const to = addDays(last, 1);
  const days = Math.round((to.getTime() - first.getTime()) / DAY_MS);
  if (days > MAX_CUSTOM_DAYS) return { error: `Choose at most ${MAX_CUSTOM_DAYS} days.` };
  const label = days === 1 ? dayLabel(first) : `${dayLabel(first)} – ${dayLabel(last)}`;
  return { from: first, to, label, step: days === 1 ? 'hour' : 'day' };
};

export interface IntervalFigures {
  start: string;
  figures: { offered: number; answered: number; missed: number };
}

export interface Bar {
  key: string;
  label: string;
  answered: number;
  missed: number;
  offered: number;
}

/** One bar per hour or day of the range, in order, empty ones included so gaps read as zero. */
export const barsOf = (range: Range, intervals: IntervalFigures[]): Bar[] => {
  const bars: Bar[] = [];
  const byKey = new Map<string, Bar>();
  const keyOf = (at: Date): string => (range.step === 'hour' ? `${dayValue(at)}T${at.getHours()}` : dayValue(at));
  for (let at = new Date(range.from); at < range.to; ) {
    const key = keyOf(at);
    if (!byKey.has(key)) {
      const bar: Bar = { key, label: range.step === 'hour' ? `${String(at.getHours()).padStart(2, '0')}:00` : dayLabel(at), answered: 0, missed: 0, offered: 0 };
      byKey.set(key, bar);
      bars.push(bar);
    }
    at = range.step === 'hour' ? new Date(at.getTime() + 3_600_000) : addDays(at, 1);
  }
  for (const interval of intervals) {
    const bar = byKey.get(keyOf(new Date(interval.start)));
    if (bar === undefined) continue;
    bar.answered += interval.figures.answered;
    bar.missed += interval.figures.missed;
    bar.offered += interval.figures.offered;
  }
  return bars;
};

/** The dashboard's headline figures; "missed" is missed offers for an agent, abandoned calls for the organisation. */
export interface Figures {
  offered: number;
  answered: number;
  missed: number;
  averageSeconds: number | null;
  csat: number | null;
}
