/**
 * The password policy, as a sentence a person can act on (null when the password is fine).
 * Pure: the API checks it before hashing, so a refused password never reaches the log.
 */
const SPECIALS = '~!@#$%^&-_=+[{]}.';

export const PASSWORD_MIN_LENGTH = 8;

export const passwordPolicyProblem = (password: string): string | null => {
  const missing: string[] = [];
  if (password.length < PASSWORD_MIN_LENGTH) missing.push(`at least ${PASSWORD_MIN_LENGTH} characters`);
  if (!/[A-Z]/.test(password)) missing.push('an upper-case letter');
  if (!/[a-z]/.test(password)) missing.push('a lower-case letter');
  if (!/\d/.test(password)) missing.push('a digit');
  if (![...password].some((character) => SPECIALS.includes(character))) missing.push(`one of ${SPECIALS}`);
  if (password.length > 256) return 'The password is longer than 256 characters.';
  return missing.length === 0 ? null : `The password needs ${missing.join(', ')}.`;
};
