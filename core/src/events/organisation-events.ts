import type { DomainEventOf } from './event.ts';

export type OrganisationCreated = DomainEventOf<'OrganisationCreated', {
  organisationId: string;
  name: string;
  /** IANA time zone used for business hours and daily figures. */
  timeZone: string;
  /** Missed offers in a row after which an agent is set Offline; null = never. */
  maxMissedOffersInRow: number | null;
  at: string;
}>;

export type OrganisationUpdated = DomainEventOf<'OrganisationUpdated', {
  changes: { name?: string; timeZone?: string; maxMissedOffersInRow?: number | null };
  at: string;
}>;

/** A supervisor asked to end every active call of the organisation; the call flow ends each one. */
export type AllCallsForceEndRequested = DomainEventOf<'AllCallsForceEndRequested', {
  requestedBy: string;
  at: string;
}>;

export type OrganisationEvent = OrganisationCreated | OrganisationUpdated | AllCallsForceEndRequested;
