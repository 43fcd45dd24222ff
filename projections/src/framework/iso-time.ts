/**
 * ISO time -> epoch milliseconds, for the times events carry (`toISOString()` form,
 * `YYYY-MM-DDTHH:MM:SS.sssZ`). Several per event during a rebuild, and `Date.parse` is a general
 * parser: this reads the fixed form digit by digit and leaves anything else to `Date.parse`.
 */

const ZERO = 48;

/** The number written by the `length` digits at `from`, or -1 if one is not a digit. */
const digits = (text: string, from: number, length: number): number => {
  let value = 0;
  for (let i = from; i < from + length; i++) {
    const digit = text.charCodeAt(i) - ZERO;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
};

export const isoToMillis = (iso: string): number => {
  if (
    iso.length !== 24 ||
    iso.charCodeAt(4) !== 45 || // -
    iso.charCodeAt(7) !== 45 ||
    iso.charCodeAt(10) !== 84 || // T
    iso.charCodeAt(13) !== 58 || // :
    iso.charCodeAt(16) !== 58 ||
    iso.charCodeAt(19) !== 46 || // .
    iso.charCodeAt(23) !== 90 // Z
  ) {
    return Date.parse(iso);
  }
  const year = digits(iso, 0, 4);
  const month = digits(iso, 5, 2);
  const day = digits(iso, 8, 2);
  const hour = digits(iso, 11, 2);
  const minute = digits(iso, 14, 2);
  const second = digits(iso, 17, 2);
  const millis = digits(iso, 20, 3);
  // Days past the 28th, years before 100 (Date.UTC maps them to 19xx) and anything odd: the general parser decides.
  if (year < 100 || month < 1 || month > 12 || day < 1 || day > 28 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 || millis < 0) {
    return Date.parse(iso);
  }
  return Date.UTC(year, month - 1, day, hour, minute, second, millis);
};
