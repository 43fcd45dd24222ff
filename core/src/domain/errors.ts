/**
 * Every rejected command ends in a DomainError with a stable code and a sentence a person can act on.
 * The API maps `code` to GraphQL `extensions.code` (upper snake case).
 */
export const DOMAIN_ERROR_CODES = [
  // validation
  'InvalidInput',
  'InvalidPhoneNumber',
  'InvalidUsername',
  'InvalidExtension',
  'FullNameEqualsExtension',
  'InvalidExternalUri',
  'InvalidRating',
  'InvalidQueueSettings',
  'InvalidBusinessHours',
  // existence
  'OrganisationNotFound',
  'OrganisationAlreadyExists',
  'QueueNotFound',
  'QueueAlreadyExists',
  'AgentNotFound',
  'AgentAlreadyExists',
  'CallNotFound',
  'CallAlreadyExists',
  // agent state
  'AgentNotAvailable',
  'AgentDisabled',
  'AgentLocked',
  'AgentBusy',
  'AgentRemoved',
  'NotInQueue',
  'AlreadyInQueue',
  // call state
  'CallNotWaiting',
  'CallNotRinging',
  'CallNotOfferedToAgent',
  'CallNotConnected',
  'CallNotOnHold',
  'CallAlreadyOnHold',
  'CallAlreadyEnded',
  'NotCallAgent',
  'TransferInProgress',
  'NoTransferInProgress',
  'TransferToSelf',
  'NoConsultation',
  'ConsultationInProgress',
  'ConsultationNotAnswered',
  'ConsultationAlreadyAnswered',
  'NotInWrapUp',
  'QueueClosed',
  // users, sessions, access (appended for the API)
  'UserNotFound',
  'UserAlreadyExists',
  'EmailTaken',
  'UsernameTaken',
  'WeakPassword',
  'InvalidCredentials',
  'UserLocked',
  'SessionNotFound',
  'SessionExpired',
  'InviteInvalid',
  'NotAMember',
  'QueueNumberTaken',
  // teams (appended)
  'TeamNotFound',
  'TeamAlreadyExists',
  // outbound calls (appended)
  'CallNotDialling',
  'InvalidCallee',
] as const;

export type DomainErrorCode = (typeof DOMAIN_ERROR_CODES)[number];

export class DomainError extends Error {
  readonly code: DomainErrorCode;
  /** Machine-readable facts behind the message (ids, current status). */
  readonly details: Readonly<Record<string, unknown>>;
  constructor(code: DomainErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = code;
    this.code = code;
    this.details = details;
  }
}

export const isDomainError = (error: unknown, code?: DomainErrorCode): error is DomainError =>
  error instanceof DomainError && (code === undefined || error.code === code);
