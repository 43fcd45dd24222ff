/** A website visitor's contact (X-CC-Visitor-Contact): used when it is an E.164 number or an email, else ignored. */
import { describe, expect, test } from 'vitest';
import { visitorContactOf } from '../src/session/visitor-contact.ts';

describe('visitorContactOf', () => {
  test('an E.164 number, as people type it, becomes the caller number', () => {
    expect(visitorContactOf(' +32 (2) 555-12.34 ')).toEqual({ number: '+3225551234', customerId: null, ignored: null });
  });

  test('an email becomes the customer id, in lower case', () => {
    expect(visitorContactOf('Ada.Lovelace@Example.com')).toEqual({ number: null, customerId: 'ada.lovelace@example.com', ignored: null });
  });

  test('nothing sent: nothing used, nothing to report', () => {
    expect(visitorContactOf(null)).toEqual({ number: null, customerId: null, ignored: null });
    expect(visitorContactOf('   ')).toEqual({ number: null, customerId: null, ignored: null });
  });

  test.each(['0470 12 34 56', '+0123', '+1234567890123456', 'ada@', 'ada@example', 'a b@example.com', '<sip:x@y>', `${'a'.repeat(250)}@example.com`])(
    'bad value %j: ignored with the reason, never thrown',
    (value) => {
      expect(visitorContactOf(value)).toEqual({ number: null, customerId: null, ignored: 'neither an E.164 number nor an email address' });
    },
  );
});
