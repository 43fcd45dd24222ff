import { describe, expect, it } from 'vitest';
import {
  isBlank,
  isE164,
  isEmail,
  isExtension,
  isIntegerBetween,
  isSipUri,
  isTimeZone,
  isUsername,
  minutesOfDay,
} from '../../src/domain/validation.ts';

describe('isE164', () => {
  it.each(['+3225551234', '+12', '+123456789012345'])('accepts %s', (value) => expect(isE164(value)).toBe(true));
  it.each(['3225551234', '+0225551234', '+1', '+1234567890123456', '+32 2 555 12 34', '+32-2555', ''])('refuses %s', (value) =>
    expect(isE164(value)).toBe(false),
  );
});

describe('isUsername', () => {
  it.each(['ada', 'ada.lovelace', 'ada_l', 'A1.b_2'])('accepts %s', (value) => expect(isUsername(value)).toBe(true));
  it.each(['', 'ada lovelace', 'ada@home', 'ada-l', 'adé', 'ada/1'])('refuses %s', (value) => expect(isUsername(value)).toBe(false));
});

describe('isExtension', () => {
  it.each(['10', '1001', '12345678'])('accepts %s', (value) => expect(isExtension(value)).toBe(true));
  it.each(['1', '123456789', '10a', ' 100', ''])('refuses %s', (value) => expect(isExtension(value)).toBe(false));
});

describe('isSipUri', () => {
  it.each(['sip:ada@example.com', 'sips:ada@example.com:5061', 'sip:1001@10.0.0.1;transport=tcp', 'sip:ada@[2001:db8::1]', 'SIP:ada@example.com'])(
    'accepts %s',
    (value) => expect(isSipUri(value)).toBe(true),
  );
  it.each(['sip:example.com', 'tel:+3225551234', 'http://ada@example.com', 'sip:@example.com', 'sip:ada@', 'sip:ada@exa mple.com', 'ada@example.com'])(
    'refuses %s',
    (value) => expect(isSipUri(value)).toBe(false),
  );
});

describe('isTimeZone', () => {
  it.each(['Europe/Brussels', 'America/New_York', 'UTC', 'Asia/Kolkata'])('accepts %s', (value) => expect(isTimeZone(value)).toBe(true));
  it.each(['Mars/Olympus', '', '+01:00', 'not a zone'])('refuses %s', (value) => expect(isTimeZone(value)).toBe(false));
});

describe('minutesOfDay', () => {
  it('reads HH:MM as minutes since midnight', () => {
    expect(minutesOfDay('00:00')).toBe(0);
    expect(minutesOfDay('09:30')).toBe(570);
    expect(minutesOfDay('23:59')).toBe(1439);
  });
  it('accepts 24:00 as the end of the day', () => expect(minutesOfDay('24:00')).toBe(1440));
  it.each(['9:30', '24:01', '12:60', '25:00', '12.30', '', '12:30:00'])('refuses %s', (value) => expect(minutesOfDay(value)).toBeNull());
});

describe('small checks', () => {
  it('isEmail', () => {
    expect(isEmail('ada@example.com')).toBe(true);
    expect(isEmail('ada@example')).toBe(false);
    expect(isEmail('ada example.com')).toBe(false);
  });
  it('isBlank', () => {
    expect(isBlank('  ')).toBe(true);
    expect(isBlank(' a ')).toBe(false);
  });
  it('isIntegerBetween', () => {
    expect(isIntegerBetween(5, 5, 600)).toBe(true);
    expect(isIntegerBetween(600, 5, 600)).toBe(true);
    expect(isIntegerBetween(4, 5, 600)).toBe(false);
    expect(isIntegerBetween(5.5, 5, 600)).toBe(false);
    expect(isIntegerBetween(Number.NaN, 5, 600)).toBe(false);
  });
});
