/**
 * What a website visitor tells the call link about themselves: a name, and a phone number or email
 * so the team recognises them on their next call (their earlier calls show in the agent's customer
 * panel). Kept in this browser's localStorage only, so they need not type it again; "Forget" clears it.
 */
import { e164Error, emailError } from '$lib/validation';

export interface VisitorDetails {
  name: string;
  contact: string;
}

const KEY = 'cc-contact-visitor';

export const rememberedVisitor = (): VisitorDetails => {
  try {
    const stored = JSON.parse(localStorage.getItem(KEY) ?? 'null') as Partial<VisitorDetails> | null;
    return { name: typeof stored?.name === 'string' ? stored.name : '', contact: typeof stored?.contact === 'string' ? stored.contact : '' };
  } catch {
    return { name: '', contact: '' };
  }
};

export const rememberVisitor = (details: VisitorDetails): void => {
  if (details.name.trim() === '' && details.contact.trim() === '') localStorage.removeItem(KEY);
  else localStorage.setItem(KEY, JSON.stringify({ name: details.name.trim(), contact: details.contact.trim() }));
};

export const forgetVisitor = (): void => localStorage.removeItem(KEY);

/** A phone number as typed (spaces, dots, dashes and brackets dropped), or an email as typed. */
export const contactValue = (contact: string): string => {
  const given = contact.trim();
  return given.includes('@') ? given : given.replace(/[\s().-]/g, '');
};

/** Why the contact cannot be used (it is then not sent), or null when it is empty or valid. */
export const contactError = (contact: string): string | null => {
  const value = contactValue(contact);
  if (value === '') return null;
  const valid = value.includes('@') ? emailError(value) === null : e164Error(value) === null;
  return valid ? null : 'Not a phone number with its country code (e.g. +32 2 555 12 34) or an email address, so it will not be sent.';
};
