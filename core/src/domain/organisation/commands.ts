import type { CommandOf } from '../decider.ts';

export type CreateOrganisation = CommandOf<'CreateOrganisation', {
  organisationId: string;
  name: string;
  timeZone: string;
  /** The caller supplies the platform default; null = never set an agent Offline for missed offers. */
  maxMissedOffersInRow: number | null;
  at: string;
}>;

export type UpdateOrganisation = CommandOf<'UpdateOrganisation', {
  changes: { name?: string; timeZone?: string; maxMissedOffersInRow?: number | null };
  at: string;
}>;

export type ForceEndAllCalls = CommandOf<'ForceEndAllCalls', { requestedBy: string; at: string }>;

export type OrganisationCommand = CreateOrganisation | UpdateOrganisation | ForceEndAllCalls;
