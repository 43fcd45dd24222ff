/** Who caused an event: a signed-in person, or a part of the platform (router, timer, gateway). */
export type Actor =
  | { kind: 'user'; userId: string }
  | { kind: 'system'; component: 'router' | 'timer' | 'call-flow' | 'gateway' | 'simulator' | 'seed' | string };

export interface EventMetadata {
  organisationId: string;
  /** Id shared by every event that follows from one outside request (a SIP INVITE, an API mutation). */
  correlationId: string;
  /** Id of the event or command that directly caused this one; null for an outside request. */
  causationId: string | null;
  actor: Actor;
  /** ISO-8601 time at which the command was decided (the command's own `at`). */
  timestamp: string;
  /** Version of the event's data shape, for upcasting older events on read. */
  schemaVersion: number;
}
