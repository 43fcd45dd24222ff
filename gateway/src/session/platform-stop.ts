/**
 * Ending this gateway's calls in the core when the platform stops, before their SIP legs go:
 * otherwise, after a restart, the log would still show them waiting, ringing or connected until a
 * timer noticed. Bounded, so a stuck store cannot hold the shutdown.
 */
import { type CommandContext, type ContactCenter, type CoreLogger, isDomainError, streams } from '@cc/core';

/** The reason a call ended by the stop carries (CallEnded.reason). */
export const PLATFORM_STOPPING = 'platform stopping';

/** How long the core is given to record the ends before the legs are torn down anyway. */
export const DEFAULT_STOP_GRACE_MS = 5000;

/**
 * Whoever ends a call on a stop is the platform: the events' actor says so, which is also where a
 * CallAbandoned (which has no reason field) keeps why the caller left.
 */
const stoppingContext = (organisationId: string): CommandContext => ({ organisationId, actor: { kind: 'system', component: 'gateway:platform-stopping' } });

/**
 * One call: a caller still waiting or ringing abandons (by 'caller': nobody answered them, and the
 * agents being rung are released as for any abandon); a connected, external or dialling call ends
 * by 'system' with PLATFORM_STOPPING (its agent goes to wrap-up). An ended call is left alone.
 */
const endCall = async (cc: ContactCenter, callId: string): Promise<void> => {
  const { state } = await cc.states.calls.load(streams.call(callId));
  if (state.organisationId === null || state.status === 'none' || state.status === 'done' || state.status === 'wrap-up') return;
  const by = state.status === 'waiting' || state.status === 'ringing' ? 'caller' : 'system';
  try {
    await cc.hangUp(callId, by, null, PLATFORM_STOPPING, stoppingContext(state.organisationId));
  } catch (error) {
    // The call ended meanwhile (caller hung up, timer): nothing left to record.
    if (!isDomainError(error)) throw error;
  }
};

/**
 * Ends every call in `callIds` in the core, at most `graceMs` long. Resolves with the calls whose
 * end was not recorded in time or failed (logged); the caller tears their legs down regardless.
 */
export const endCallsForStop = async (cc: ContactCenter, callIds: readonly string[], logger: CoreLogger, graceMs = DEFAULT_STOP_GRACE_MS): Promise<string[]> => {
  if (callIds.length === 0) return [];
  const pending = new Set(callIds);
  const failed: string[] = [];
  const ends = callIds.map(async (callId) => {
    try {
      await endCall(cc, callId);
    } catch (error) {
      failed.push(callId);
      logger.error({ callId, err: error instanceof Error ? error.message : String(error) }, 'call could not be ended in the core on stop');
    } finally {
      pending.delete(callId);
    }
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, graceMs);
  });
  await Promise.race([Promise.all(ends), timedOut]);
  clearTimeout(timer);
  if (pending.size > 0) logger.warn({ calls: [...pending], graceMs }, 'the core did not record these calls ending in time: their legs end anyway, a restart finds them still live');
  else logger.info({ calls: callIds.length }, 'calls ended in the core: platform stopping');
  return [...failed, ...pending];
};
