/**
 * What a website visitor typed on the call link to be recognised next time (X-CC-Visitor-Contact):
 * an E.164 number becomes the caller's number, an email their customer id (lower case), so the
 * agent's customer panel finds their earlier calls. Self-declared and unverified: anything else is
 * ignored, and the call goes on as an anonymous visitor's. Never a reason to refuse a call.
 */

export interface VisitorContact {
  number: string | null;
  customerId: string | null;
  /** Why a value that was sent is not used (for the log), or null. */
  ignored: string | null;
}

const E164 = /^\+[1-9]\d{1,14}$/;
// Deliberately plain: one @, no spaces, a dot in the domain; RFC 5321 caps an address at 254 characters.
const EMAIL = /^[^\s@<>",;]+@[^\s@<>",;]+\.[^\s@<>",;.]+$/;

export const visitorContactOf = (value: string | null | undefined): VisitorContact => {
  const given = (value ?? '').trim();
  if (given === '') return { number: null, customerId: null, ignored: null };
  // People type spaces, dots, dashes and brackets in numbers; the number kept has none.
  const compact = given.replace(/[\s().-]/g, '');
  if (E164.test(compact)) return { number: compact, customerId: null, ignored: null };
  if (given.length <= 254 && EMAIL.test(given)) return { number: null, customerId: given.toLowerCase(), ignored: null };
  return { number: null, customerId: null, ignored: 'neither an E.164 number nor an email address' };
};
