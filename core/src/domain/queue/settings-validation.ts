import { DomainError } from '../errors.ts';
import { QUEUE_STRATEGIES, type BusinessHours, type QueueSettings } from '../../events/queue-events.ts';
import { isBlank, isE164, isIntegerBetween, isTimeZone, minutesOfDay } from '../validation.ts';

const invalidSettings = (queueId: string, field: string, sentence: string, value: unknown): DomainError =>
  new DomainError('InvalidQueueSettings', `Queue ${queueId}: ${sentence}`, { queueId, field, value });

const validateBusinessHours = (queueId: string, hours: BusinessHours): void => {
  if (!isTimeZone(hours.timeZone)) {
    throw new DomainError(
      'InvalidBusinessHours',
      `Queue ${queueId}: '${hours.timeZone}' is not an IANA time zone (for example 'Europe/Brussels').`,
      { queueId, timeZone: hours.timeZone },
    );
  }
  hours.windows.forEach((window, index) => {
    const facts = { queueId, windowIndex: index, window };
    if (!isIntegerBetween(window.day, 0, 6)) {
      throw new DomainError('InvalidBusinessHours', `Queue ${queueId}: day ${String(window.day)} is not a weekday 0 (Sunday) to 6 (Saturday).`, facts);
    }
    const open = minutesOfDay(window.open);
    const close = minutesOfDay(window.close);
    if (open === null || open === 24 * 60 || close === null) {
      throw new DomainError(
        'InvalidBusinessHours',
        `Queue ${queueId}: opening window ${window.open}-${window.close} must use 'HH:MM' times (close may be '24:00').`,
        facts,
      );
    }
    if (close <= open) {
      throw new DomainError(
        'InvalidBusinessHours',
        `Queue ${queueId}: window on day ${window.day} closes at ${window.close}, not after it opens at ${window.open}; split a window that runs past midnight in two.`,
        facts,
      );
    }
  });
};

/** The whole settings object must hold, whether it comes from CreateQueue or from an update merged onto the current settings. */
export const validateQueueSettings = (queueId: string, settings: QueueSettings): void => {
  if (isBlank(settings.name)) throw invalidSettings(queueId, 'name', 'a queue needs a name; the name given is empty.', settings.name);
  if (settings.number !== null && !isE164(settings.number)) {
    throw new DomainError(
      'InvalidPhoneNumber',
      `Queue ${queueId}: '${settings.number}' is not an E.164 number such as '+3225551234'.`,
      { queueId, number: settings.number },
    );
  }
  if (!(QUEUE_STRATEGIES as readonly string[]).includes(settings.strategy)) {
    throw invalidSettings(queueId, 'strategy', `'${settings.strategy}' is not a routing strategy (${QUEUE_STRATEGIES.join(', ')}).`, settings.strategy);
  }
  if (!isIntegerBetween(settings.ringTimeoutSeconds, 5, 600)) {
    throw invalidSettings(queueId, 'ringTimeoutSeconds', `ring timeout ${settings.ringTimeoutSeconds} s is outside 5 to 600 seconds.`, settings.ringTimeoutSeconds);
  }
  if (!isIntegerBetween(settings.wrapUpSeconds, 0, 3600)) {
    throw invalidSettings(queueId, 'wrapUpSeconds', `wrap-up ${settings.wrapUpSeconds} s is outside 0 to 3600 seconds.`, settings.wrapUpSeconds);
  }
  if (settings.maxWaitSeconds !== null && !(Number.isInteger(settings.maxWaitSeconds) && settings.maxWaitSeconds >= 10)) {
    throw invalidSettings(queueId, 'maxWaitSeconds', `maximum wait ${settings.maxWaitSeconds} s must be at least 10 seconds, or none.`, settings.maxWaitSeconds);
  }
  if (settings.overflowQueueId !== null && settings.overflowQueueId === queueId) {
    throw invalidSettings(queueId, 'overflowQueueId', 'a queue cannot overflow to itself.', settings.overflowQueueId);
  }
  if (!Number.isInteger(settings.priority)) {
    throw invalidSettings(queueId, 'priority', `priority ${settings.priority} must be a whole number.`, settings.priority);
  }
  if (!isIntegerBetween(settings.serviceLevelSeconds, 1, 3600)) {
    throw invalidSettings(
      queueId,
      'serviceLevelSeconds',
      `service-level threshold ${settings.serviceLevelSeconds} s is outside 1 to 3600 seconds.`,
      settings.serviceLevelSeconds,
    );
  }
  if (settings.businessHours !== null) validateBusinessHours(queueId, settings.businessHours);
  if (settings.checklist !== undefined) {
    const list: unknown = settings.checklist;
    if (!Array.isArray(list) || list.length > 30 || list.some((item) => typeof item !== 'string' || item.trim() === '' || item.trim().length > 200)) {
      throw invalidSettings(queueId, 'checklist', 'a checklist is at most 30 items, each 1 to 200 characters.', settings.checklist);
    }
    if (new Set(list.map((item: string) => item.trim())).size !== list.length) throw invalidSettings(queueId, 'checklist', 'checklist items must differ from each other.', settings.checklist);
  }
  if (settings.recordCalls !== undefined && typeof settings.recordCalls !== 'boolean') {
    throw invalidSettings(queueId, 'recordCalls', `recordCalls must be true or false; got '${String(settings.recordCalls)}'.`, settings.recordCalls);
  }
};
