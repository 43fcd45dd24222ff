/**
 * Input checks shared by the deciders. Pure predicates: each decider turns a `false` into the
 * DomainError code that fits its own command, so the same check can mean InvalidPhoneNumber for a
 * queue and InvalidExternalUri for an agent.
 */

const E164 = /^\+[1-9]\d{1,14}$/;
const USERNAME = /^[A-Za-z0-9._]+$/;
const EXTENSION = /^\d{2,8}$/;
// sip:/sips: user[:password]@host[:port][;params][?headers]; host is a name, IPv4 or [IPv6].
const SIP_URI = /^sips?:[^\s@:;?]+(?::[^\s@]*)?@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?(?:[;?]\S*)?$/i;
const CLOCK_TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** A number in E.164 form: '+', a non-zero country digit, 2 to 15 digits in all. */
export const isE164 = (value: string): boolean => E164.test(value);

/** Usernames end up in SIP URIs and logins: ASCII letters, digits, '.' and '_' only. */
export const isUsername = (value: string): boolean => USERNAME.test(value);

/** An internal extension: 2 to 8 digits. */
export const isExtension = (value: string): boolean => EXTENSION.test(value);

/** A `sip:` or `sips:` URI with a user part and a host. */
export const isSipUri = (value: string): boolean => SIP_URI.test(value);

export const isEmail = (value: string): boolean => EMAIL.test(value);

/** Empty or only white space. */
export const isBlank = (value: string): boolean => value.trim().length === 0;

export const isIntegerBetween = (value: number, min: number, max: number): boolean =>
  Number.isInteger(value) && value >= min && value <= max;

/**
 * An IANA zone name the runtime knows ('Europe/Brussels', 'UTC'). Fixed offsets such as '+01:00'
 * are accepted by Intl but refused here: they ignore daylight saving, which business hours need.
 */
export const isTimeZone = (value: string): boolean => {
  if (!/^[A-Za-z]/.test(value)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
};

/**
 * Minutes since midnight for a 'HH:MM' time ('00:00'..'23:59'), or null when malformed.
 * '24:00' is accepted as the end of the day so a window can close at midnight.
 */
export const minutesOfDay = (value: string): number | null => {
  if (value === '24:00') return 24 * 60;
  const match = CLOCK_TIME.exec(value);
  if (match === null) return null;
  return Number(match[1]) * 60 + Number(match[2]);
};
