/**
 * The platform's input rules, checked as the admin types so mistakes show next to the field. The
 * API checks the same rules again (core/src/domain/validation.ts and the password policy); these
 * only spare a round trip.
 */

export const USERNAME_RULE = "Letters, digits, '.' and '_' only.";
export const PASSWORD_RULE = '8+ characters with upper and lower case, a digit and one of ~!@#$%^&-_=+[{]}.';

export const usernameError = (value: string): string | null => {
  if (value === '') return null;
  return /^[A-Za-z0-9._]+$/.test(value) ? null : `Username: ${USERNAME_RULE}`;
};

export const passwordError = (value: string): string | null => {
  if (value === '') return null;
  const missing: string[] = [];
  if (value.length < 8) missing.push('at least 8 characters');
  if (!/[A-Z]/.test(value)) missing.push('an upper-case letter');
  if (!/[a-z]/.test(value)) missing.push('a lower-case letter');
  if (!/\d/.test(value)) missing.push('a digit');
  if (!/[~!@#$%^&\-_=+[{\]}.]/.test(value)) missing.push('one of ~!@#$%^&-_=+[{]}.');
  if (missing.length === 0) return null;
  const text = `Password needs ${missing.join(', ')}`;
  return text.endsWith('.') ? text : `${text}.`;
};

export const extensionError = (value: string): string | null => (value === '' || /^\d{2,8}$/.test(value) ? null : 'Extension: 2 to 8 digits.');

export const fullNameError = (fullName: string, extension: string): string | null =>
  fullName.trim() !== '' && fullName.trim() === extension.trim() ? 'The full name cannot be the extension.' : null;

export const emailError = (value: string): string | null => (value === '' || /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value) ? null : 'Enter an email address such as ada@example.com.');

export const e164Error = (value: string): string | null => (value === '' || /^\+[1-9]\d{1,14}$/.test(value) ? null : 'Use E.164: + then country code and number, e.g. +3225551234.');
