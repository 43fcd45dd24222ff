import { DomainError } from '../errors.ts';
import { AGENT_TYPOLOGIES, type AgentProfile } from '../../events/agent-events.ts';
import { isBlank, isE164, isEmail, isExtension, isIntegerBetween, isSipUri, isUsername } from '../validation.ts';

/** Typologies rung at an address outside the platform, which therefore needs one. */
const RUNG_ELSEWHERE: ReadonlySet<string> = new Set(['external', 'mobile']);

/** The whole profile must hold, whether it comes from RegisterAgent or from an update merged onto the current profile. */
export const validateAgentProfile = (agentId: string, profile: AgentProfile): void => {
  const who = `Agent ${agentId}`;
  if (isBlank(profile.fullName)) {
    throw new DomainError('InvalidInput', `${who} needs a full name; the name given is empty.`, { agentId, field: 'fullName' });
  }
  if (!isUsername(profile.username)) {
    throw new DomainError(
      'InvalidUsername',
      `${who}: username '${profile.username}' may hold only letters, digits, '.' and '_'.`,
      { agentId, username: profile.username },
    );
  }
  if (!isExtension(profile.extension)) {
    throw new DomainError('InvalidExtension', `${who}: extension '${profile.extension}' must be 2 to 8 digits.`, {
      agentId,
      extension: profile.extension,
    });
  }
  // A name that is only the extension makes caller displays and directories ambiguous.
  if (profile.fullName.trim() === profile.extension) {
    throw new DomainError('FullNameEqualsExtension', `${who}: the full name cannot be the extension ${profile.extension}.`, {
      agentId,
      extension: profile.extension,
    });
  }
  if (!(AGENT_TYPOLOGIES as readonly string[]).includes(profile.typology)) {
    throw new DomainError('InvalidInput', `${who}: '${profile.typology}' is not an agent typology (${AGENT_TYPOLOGIES.join(', ')}).`, {
      agentId,
      field: 'typology',
    });
  }
  const uri = profile.externalUri;
  if (RUNG_ELSEWHERE.has(profile.typology) && uri === null) {
    throw new DomainError('InvalidExternalUri', `${who} is ${profile.typology} and needs an external SIP URI or E.164 number to be rung at.`, {
      agentId,
      typology: profile.typology,
    });
  }
  if (uri !== null && !isSipUri(uri) && !isE164(uri)) {
    throw new DomainError('InvalidExternalUri', `${who}: '${uri}' is neither a sip:/sips: URI with user@host nor an E.164 number.`, {
      agentId,
      externalUri: uri,
    });
  }
  if (profile.email !== null && !isEmail(profile.email)) {
    throw new DomainError('InvalidInput', `${who}: '${profile.email}' is not an email address.`, { agentId, field: 'email' });
  }
  if (profile.wrapUpSeconds !== null && !isIntegerBetween(profile.wrapUpSeconds, 0, 3600)) {
    throw new DomainError('InvalidInput', `${who}: wrap-up ${profile.wrapUpSeconds} s is outside 0 to 3600 seconds.`, {
      agentId,
      field: 'wrapUpSeconds',
    });
  }
};
