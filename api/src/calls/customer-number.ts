/**
 * A customer id to the number to dial: the number that customer last called from or was called on
 * in this organisation (the call history keeps both on each call). The platform keeps no customer
 * records, so a customer it never had a numbered call with cannot be dialled.
 */
import { apiError } from '../errors.ts';
import type { ReadSide } from '../read-side.ts';

export const customerNumberOf = (readSide: ReadSide, organisationId: string, customerId: string): string => {
  const number = readSide.customerNumber(organisationId, customerId);
  if (number === null) {
    throw apiError(
      'CUSTOMER_NUMBER_UNKNOWN',
      `No number is known for customer ${customerId}: no earlier call of theirs in your organisation has one. Call them on their number instead.`,
      { customerId },
    );
  }
  return number;
};
