/** Bearer tokens `<id>.<secret>`: only a SHA-256 of the secret is stored, compared in constant time. */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

export const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');

export const newSecretToken = (): { id: string; secret: string; token: string; secretHash: string } => {
  const id = randomUUID();
  const secret = randomBytes(32).toString('base64url');
  return { id, secret, token: `${id}.${secret}`, secretHash: sha256(secret) };
};

/** Splits a token into its id and secret, or null when it does not have that shape. */
export const parseSecretToken = (token: string): { id: string; secret: string } | null => {
  const dot = token.indexOf('.');
  if (dot <= 0 || dot === token.length - 1 || token.length > 512) return null;
  const id = token.slice(0, dot);
  if (!/^[0-9a-f-]{36}$/.test(id)) return null;
  return { id, secret: token.slice(dot + 1) };
};

export const hashMatches = (secret: string, storedHash: string): boolean => {
  const actual = Buffer.from(sha256(secret), 'hex');
  const expected = Buffer.from(storedHash, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
};
