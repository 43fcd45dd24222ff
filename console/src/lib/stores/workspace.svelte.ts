/**
 * The agent workspace: the agent's status, the offer ringing now, the call they are on and its
 * wrap-up. Offers arrive on the `myCallOffers` subscription; every change of the call queue board
 * refetches the current call, so caller hang-ups, ring timeouts and transfers show without polling.
 */
import { graphql, messageOf } from '../api/graphql';
import { subscribe } from '../api/subscribe';
import { CURRENT_CALL_FIELDS, QUEUE_FIELDS, type AgentStatus, type Call, type CallOffer, type Queue } from '../api/types';
import { maskName, phaseOf, transferNoticeOf, wrapUpEndsAt, type CallPhase } from '../calls/phase';
import { announceOffer, stopRinging } from '../calls/offer-alert';
import { session } from './session.svelte';

const STATUS_KEY = 'cc.console.statusSince';

interface State {
  offer: CallOffer | null;
  call: Call | null;
  phase: CallPhase | null;
  statusSince: string | null;
  queues: Queue[];
  busy: boolean;
  error: string | null;
  transferNotice: string | null;
  muted: boolean;
}

/**
 * The softphone's SIP leg for a call, when the agent's browser has one: call control then goes
 * through SIP (the gateway tells the core); without one (simulator or API calls) through GraphQL.
 * Each method says whether a SIP leg took the action.
 */
export interface PhoneLegs {
  answer(offer: CallOffer): Promise<boolean>;
  decline(offer: CallOffer): boolean;
  hangUp(callId: string): boolean;
  hold(callId: string): boolean;
  resume(callId: string): boolean;
  /** Mute belongs to the SIP leg's microphone track. */
  readonly muted: boolean;
  toggleMute(): void;
}

let phone: PhoneLegs | null = null;
/** The call the agent just picked up on the queue board: its offer is answered on arrival, as they already chose it. */
let pickedUp: string | null = null;

const state = $state<State>({ offer: null, call: null, phase: null, statusSince: null, queues: [], busy: false, error: null, transferNotice: null, muted: false });
let stops: Array<() => void> = [];

const agentId = (): string | null => session.me?.agent?.id ?? null;

const queueOf = (queueId: string | null | undefined): Queue | undefined => state.queues.find((q) => q.id === queueId);

const rememberSince = (status: AgentStatus, since: string): void => {
  state.statusSince = since;
  try {
    localStorage.setItem(STATUS_KEY, JSON.stringify({ agentId: agentId(), status, since }));
  } catch {
    // No storage: the time is kept for this page only.
  }
};

/** When the current status began: from the agent board where the role may read it, else as this browser saw it. */
const loadStatusSince = async (): Promise<void> => {
  const me = agentId();
  const status = session.me?.agent?.status;
  if (me === null || status === undefined) return;
  if (session.canListAgents) {
    try {
      const rows = (await graphql<{ agentBoard: Array<{ agentId: string; since: string }> }>('{ agentBoard { agentId since } }')).agentBoard;
      const mine = rows.find((row) => row.agentId === me);
      if (mine !== undefined) return rememberSince(status, mine.since);
    } catch {
      // Fall back to what this browser remembers.
    }
  }
  try {
    const stored = JSON.parse(localStorage.getItem(STATUS_KEY) ?? 'null') as { agentId: string; status: string; since: string } | null;
    state.statusSince = stored !== null && stored.agentId === me && stored.status === status ? stored.since : null;
  } catch {
    state.statusSince = null;
  }
};

/** Puts the call (fresh from the API) in place and derives where the agent stands on it. */
const adopt = (call: Call | null): void => {
  const me = agentId();
  if (call === null || me === null) {
    state.call = null;
    state.phase = null;
    return;
  }
  const phase = phaseOf(call, me);
  if (phase === 'ringing') {
    // The modal shows ringing offers; the call itself is not "on" yet.
    state.call = null;
    state.phase = null;
    if (state.offer === null || state.offer.callId !== call.id) ring(offerFromCall(call));
    return;
  }
  if (state.offer?.callId === call.id) {
    state.offer = null;
    stopRinging();
  }
  state.call = phase === null ? null : call;
  state.phase = phase;
  state.transferNotice = phase === 'connected' ? transferNoticeOf(call, me) : null;
};

/** Shows the offer in the modal and rings (tone, desktop notification), also for one found after a reload. */
const ring = (offer: CallOffer): void => {
  // Late news of a call already answered (a picked-up call's offer may reach the feed after its answer).
  if (state.call?.id === offer.callId && state.phase === 'connected') return;
  state.offer = offer;
  if (offer.callId === pickedUp) {
    pickedUp = null;
    void workspace.answer();
    return;
  }
  // A click on the desktop notification answers this offer, if it is still the one ringing.
  announceOffer(offer, (clicked) => {
    if (state.offer?.offerId === clicked.offerId) void workspace.answer();
  });
};

/** An offer rebuilt from history after a reload (the subscription only sends offers made while it is open). */
const offerFromCall = (call: Call): CallOffer => {
  const offered = [...call.timeline].reverse().find((entry) => (entry.type === 'CallOffered' || entry.type === 'CallTransferOffered') && entry.agentId === agentId());
  const queue = queueOf(call.queueId);
  const offeredAt = offered?.at ?? new Date().toISOString();
  return {
    callId: call.id,
    offerId: call.id,
    // The consultation ringing this agent says what it is; who consults is named only on the live feed.
    kind: offered?.type !== 'CallTransferOffered' ? 'OFFER' : call.consultation?.agentId === agentId() ? 'CONSULTATION' : 'TRANSFER',
    fromAgentName: null,
    queueId: call.queueId,
    queueName: call.queueName,
    callerNumber: call.callerNumber,
    callerName: call.callerName !== null && queue?.maskCallerName === true ? maskName(call.callerName) : call.callerName,
    ringTimeoutAt: new Date(Date.parse(offeredAt) + 1000 * (queue?.ringTimeoutSeconds ?? 30)).toISOString(),
    offeredAt,
  };
};

const fetchCall = async (callId: string): Promise<Call | null> => (await graphql<{ call: Call | null }>(`query($id: ID!) { call(id: $id) { ${CURRENT_CALL_FIELDS} } }`, { id: callId })).call;

/** Finds a call the agent is still ringing, on or wrapping up (after a reload or a dropped feed). */
const recover = async (): Promise<void> => {
  const me = agentId();
  if (me === null) return;
  const page = (await graphql<{ calls: { nodes: Call[] } }>(`query($a: ID) { calls(first: 20, filter: { agentId: $a }) { nodes { ${CURRENT_CALL_FIELDS} } } }`, { a: me })).calls;
  const open = page.nodes.find((call) => phaseOf(call, me) !== null);
  if (open !== undefined) adopt(open);
  else if (state.call !== null) adopt(await fetchCall(state.call.id));
};

/** Something on the board changed: the current call or offer may have moved on. */
const refreshCurrent = async (): Promise<void> => {
  const callId = state.call?.id ?? state.offer?.callId;
  if (callId === undefined) return;
  const call = await fetchCall(callId);
  if (call !== null && state.offer?.callId === call.id && phaseOf(call, agentId() ?? '') !== 'ringing' && phaseOf(call, agentId() ?? '') !== 'connected') {
    // The offer ended without us (timeout, caller gone, answered elsewhere).
    state.offer = null;
    stopRinging();
    void session.refresh();
  }
  adopt(call);
};

const act = async (work: () => Promise<void>): Promise<boolean> => {
  state.busy = true;
  state.error = null;
  try {
    await work();
    return true;
  } catch (error) {
    state.error = messageOf(error);
    return false;
  } finally {
    state.busy = false;
  }
};

interface ExtraArguments {
  /** Variable declarations after `$c: ID!`, e.g. `$s: Int!`. */
  declare: string;
  /** Field arguments after `callId: $c`, e.g. `seconds: $s`. */
  pass: string;
  variables: Record<string, unknown>;
}

const control = (mutation: string, callId: string, extra: ExtraArguments = { declare: '', pass: '', variables: {} }) =>
  act(async () => {
    const declare = extra.declare === '' ? '' : `, ${extra.declare}`;
    const pass = extra.pass === '' ? '' : `, ${extra.pass}`;
    const data = await graphql<Record<string, Call>>(`mutation($c: ID!${declare}) { ${mutation}(callId: $c${pass}) { ${CURRENT_CALL_FIELDS} } }`, { c: callId, ...extra.variables });
    const call = data[mutation];
    if (call !== undefined) adopt(call);
  });

export const workspace = {
  get offer() {
    return state.offer;
  },
  get call() {
    return state.call;
  },
  get phase() {
    return state.phase;
  },
  get statusSince() {
    return state.statusSince;
  },
  get busy() {
    return state.busy;
  },
  get error() {
    return state.error;
  },
  get transferNotice() {
    return state.transferNotice;
  },
  get muted() {
    return phone?.muted ?? state.muted;
  },
  /** The softphone plugs in here (null to unplug). */
  usePhone(legs: PhoneLegs | null): void {
    phone = legs;
  },
  /** Reads the current call or offer again (the softphone calls it once SIP moved the call on). */
  refresh: (): Promise<void> => refreshCurrent().catch(() => {}),
  /** Shows a call this agent is on that no offer or mutation of this page brought (e.g. placed for them by a CRM). */
  follow: async (callId: string): Promise<void> => {
    if (state.call?.id === callId) return;
    const call = await fetchCall(callId).catch(() => null);
    if (call !== null) adopt(call);
  },
  get queues() {
    return state.queues;
  },
  /** The queue of the call the agent is on (its video flag and checklist), when it is one of theirs. */
  get callQueue(): Queue | undefined {
    return queueOf(state.call?.queueId);
  },
  /** Looks for the agent's current call now (an outbound call the softphone just dialled). */
  findCurrent: (): Promise<void> => recover().catch(() => {}),
  /** Puts a call the agent just received from the API in place (e.g. after ticking its checklist). */
  adopt(call: Call): void {
    adopt(call);
  },
  /**
   * "New call" without a softphone: the platform records the outbound call for the agent (GraphQL
   * placeCall). An E.164 number or a customer id; returns the error to show, or null.
   */
  async placeCall(target: { number?: string; customerId?: string }): Promise<string | null> {
    try {
      const data = await graphql<{ placeCall: Call }>(`mutation($n: String, $c: ID) { placeCall(number: $n, customerId: $c) { ${CURRENT_CALL_FIELDS} } }`, {
        n: target.number ?? null,
        c: target.customerId ?? null,
      });
      adopt(data.placeCall);
      return null;
    } catch (error) {
      return messageOf(error);
    }
  },
  /**
   * "Pick up" on the queue board: the platform offers the waiting call to this agent (pickUpCall),
   * and the offer is answered as it arrives, over the feed or in this answer, whichever comes first.
   * Returns the error to show, or null.
   */
  async pickUp(callId: string): Promise<string | null> {
    pickedUp = callId;
    try {
      const data = await graphql<{ pickUpCall: Call }>(`mutation($c: ID!) { pickUpCall(callId: $c) { ${CURRENT_CALL_FIELDS} } }`, { c: callId });
      adopt(data.pickUpCall);
      return null;
    } catch (error) {
      if (pickedUp === callId) pickedUp = null;
      return messageOf(error);
    }
  },
  /** When the wrap-up ends (ms since epoch), or null outside wrap-up. */
  get wrapUpEndsAt(): number | null {
    const me = agentId();
    if (state.phase !== 'wrap-up' || state.call === null || me === null) return null;
    return wrapUpEndsAt(state.call, me, session.me?.agent?.wrapUpSeconds ?? null, queueOf(state.call.queueId));
  },
  /** The caller's name as agents of the call's queue may see it (masked where the queue says so, as offers are). */
  get callerName(): string | null {
    const name = state.call?.callerName ?? null;
    return name !== null && queueOf(state.call?.queueId)?.maskCallerName === true ? maskName(name) : name;
  },
  clearError(): void {
    state.error = null;
  },

  /** Opens the live feeds for the signed-in agent; returns the function that closes them. */
  start(): () => void {
    this.stop();
    if (agentId() === null) return () => {};
    void graphql<{ queues: Queue[] }>(`{ queues { ${QUEUE_FIELDS} } }`).then((data) => (state.queues = data.queues), () => {});
    void loadStatusSince();
    void recover().catch(() => {});
    stops.push(
      subscribe<{ myCallOffers: CallOffer }>(
        'subscription { myCallOffers { callId offerId kind fromAgentName queueId queueName callerNumber callerName ringTimeoutAt offeredAt } }',
        {},
        {
          next: ({ myCallOffers }) => {
            ring(myCallOffers);
            state.error = null;
          },
          reconnected: () => void recover().catch(() => {}),
        },
      ),
      subscribe<unknown>('subscription { queueBoardChanged { cards { total } } }', {}, { next: () => void refreshCurrent().catch(() => {}) }),
    );
    return () => this.stop();
  },
  stop(): void {
    for (const stop of stops) stop();
    stops = [];
    stopRinging();
  },

  /** Sets the status; Break, Meeting and Education may carry a reason (null clears it). Says whether it worked. */
  async setStatus(status: AgentStatus, reason: string | null = null): Promise<boolean> {
    return await act(async () => {
      const agent = (
        await graphql<{ setAgentStatus: { status: AgentStatus; statusReason: string | null } }>('mutation($s: AgentStatus!, $r: String) { setAgentStatus(status: $s, reason: $r) { status statusReason } }', {
          s: status,
          r: reason,
        })
      ).setAgentStatus;
      session.patchAgent(agent);
      rememberSince(agent.status, new Date().toISOString());
      void loadStatusSince();
    });
  },
  answer: async (): Promise<void> => {
    const offer = state.offer;
    if (offer === null) return;
    stopRinging();
    if (phone !== null && (await phone.answer(offer))) return;
    const ok = await control('answerCall', offer.callId);
    if (ok) state.offer = null;
    else void refreshCurrent().catch(() => {});
  },
  decline: async (): Promise<void> => {
    const offer = state.offer;
    if (offer === null) return;
    stopRinging();
    state.offer = null;
    if (phone?.decline(offer) === true) {
      // The gateway turns the SIP refusal into DeclineOffer; read the agent's status once it has.
      setTimeout(() => void session.refresh(), 500);
      return;
    }
    await control('declineCall', offer.callId);
    void session.refresh();
  },
  hold: (): Promise<boolean> => (state.call === null ? Promise.resolve(false) : phone?.hold(state.call.id) === true ? Promise.resolve(true) : control('holdCall', state.call.id)),
  resume: (): Promise<boolean> => (state.call === null ? Promise.resolve(false) : phone?.resume(state.call.id) === true ? Promise.resolve(true) : control('resumeCall', state.call.id)),
  hangUp: (): Promise<boolean> => (state.call === null ? Promise.resolve(false) : phone?.hangUp(state.call.id) === true ? Promise.resolve(true) : control('hangupCall', state.call.id)),
  extendWrapUp: (seconds = 10): Promise<boolean> => (state.call === null ? Promise.resolve(false) : control('extendWrapUp', state.call.id, { declare: '$s: Int!', pass: 'seconds: $s', variables: { s: seconds } })),
  completeWrapUp: (input: { notes: string; rating: number | null; conversationStatus: 'CLOSED' | 'OPEN' }): Promise<boolean> =>
    state.call === null
      ? Promise.resolve(false)
      : control('completeWrapUp', state.call.id, {
          declare: '$n: String, $r: Int, $cs: ConversationStatus',
          pass: 'notes: $n, rating: $r, conversationStatus: $cs',
          variables: { n: input.notes, r: input.rating, cs: input.conversationStatus },
        }),
  /** Transfers the current call; on failure the error is returned and the call stays as it was. */
  async transfer(target: { agentId?: string; queueId?: string; externalNumber?: string }): Promise<string | null> {
    const call = state.call;
    if (call === null) return 'There is no call to transfer.';
    try {
      const data = await graphql<{ transferCall: Call }>(`mutation($c: ID!, $t: TransferTargetInput!) { transferCall(callId: $c, target: $t) { ${CURRENT_CALL_FIELDS} } }`, { c: call.id, t: target });
      adopt(data.transferCall);
      // The platform may refuse a transfer after accepting the request (target unavailable, rejected).
      return state.phase === 'connected' ? state.transferNotice : null;
    } catch (error) {
      void refreshCurrent().catch(() => {});
      return messageOf(error);
    }
  },
  /**
   * Consults a colleague of the call's queue or an external E.164 number (attended transfer): the
   * caller goes on hold and the colleague is rung, or the gateway dials the number through the trunk.
   * Returns the error to show, or null; on failure the call stays as it was.
   */
  async consult(target: { agentId: string } | { externalNumber: string }): Promise<string | null> {
    const call = state.call;
    if (call === null) return 'There is no call to consult about.';
    try {
      const data = await graphql<{ startConsultation: Call }>(`mutation($c: ID!, $t: ConsultTargetInput!) { startConsultation(callId: $c, target: $t) { ${CURRENT_CALL_FIELDS} } }`, {
        c: call.id,
        t: target,
      });
      adopt(data.startConsultation);
      return null;
    } catch (error) {
      void refreshCurrent().catch(() => {});
      return messageOf(error);
    }
  },
  /** Hands the caller to the consulted colleague; this agent goes to wrap-up. Errors land in `error`. */
  completeConsultation: (): Promise<boolean> => (state.call === null ? Promise.resolve(false) : control('completeConsultedTransfer', state.call.id)),
  /** Ends the consultation; the caller stays on hold with this agent, to be resumed. */
  cancelConsultation: (): Promise<boolean> => (state.call === null ? Promise.resolve(false) : control('cancelConsultation', state.call.id)),
  /** Mutes the softphone's microphone; without a softphone only the label flips. */
  toggleMute(): void {
    if (phone !== null) phone.toggleMute();
    else state.muted = !state.muted;
  },
  /** The wrap-up ran out: the platform ended it, so read the call again. */
  timeUp(): void {
    // The platform's timer may fire a moment after ours: look again a few times.
    const callId = state.call?.id ?? state.offer?.callId;
    const check = (tries: number): void => {
      void refreshCurrent()
        .catch(() => {})
        .then(() => {
          const still = (state.call?.id ?? state.offer?.callId) === callId && callId !== undefined;
          if (still && tries > 1) setTimeout(() => check(tries - 1), 2000);
        });
    };
    check(5);
  },
};
