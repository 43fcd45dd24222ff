/** Checks on query input: a bad argument is the caller's mistake, reported as InvalidInput. */
import { DomainError } from '@cc/core';

export const requireTime = (value: string, name: string): number => {
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed)) throw new DomainError('InvalidInput', `${name} must be an ISO-8601 time, got '${value}'.`, { [name]: value });
  return parsed;
};

export const iso = (millis: number): string => new Date(millis).toISOString();
