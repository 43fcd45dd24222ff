/**
 * The agent's softphone: a JsSIP user agent registered to the gateway's SIP edge while a WebRTC
 * agent is Online (or on a break), with the SIP credentials of this session. The gateway INVITEs it
 * for each offer (X-CC-Offer-Id, X-CC-Call-Id); answering, declining, hanging up and hold go through
 * that SIP leg, and the gateway tells the core. Calls without a SIP leg (simulator, API) keep using
 * GraphQL: the workspace asks `legs` first.
 */
import * as JsSIP from 'jssip';
import type { RTCSession } from 'jssip/lib/RTCSession';
import type { RTCSessionEvent, UA } from 'jssip/lib/UA';
import { codeOf, graphql, messageOf } from '../api/graphql';
import type { AgentStatus, CallOffer } from '../api/types';
import { connection, PHONE_FEED } from '../stores/connection.svelte';
import { session } from '../stores/session.svelte';
import { workspace, type PhoneLegs } from '../stores/workspace.svelte';
import { CallMedia, type DtmfTransport } from './call-media.svelte';
import { devices } from './media-devices.svelte';
import { readStatusRecord, restoreDecision, writeStatusRecord } from './status-memory';

/** off: not registered · connecting: (re)connecting or registering · ready: registered · unavailable: no SIP edge or refused. */
export type PhoneState = 'off' | 'connecting' | 'ready' | 'unavailable';

interface Ringing {
  session: RTCSession;
  callId: string | null;
  offerId: string | null;
  /** The caller's offer has video (a video queue's visitor with the camera on). */
  video: boolean;
}

interface SipCredentials {
  uri: string;
  authorizationUser: string;
  password: string;
  wsUrl: string;
  realm: string;
}

const HEARTBEAT_MS = 30_000;
/** How long Answer waits for the gateway's INVITE before answering through GraphQL instead. */
const INVITE_GRACE_MS = 4000;
const DTMF_KEY = 'cc.softphone.dtmfTransport';

const storedDtmf = (): DtmfTransport => {
  try {
    return localStorage.getItem(DTMF_KEY) === 'RFC2833' ? 'RFC2833' : 'INFO';
  } catch {
    return 'INFO';
  }
};

const state = $state({
  phone: 'off' as PhoneState,
  /** The agent's typology is WebRTC: only they get a softphone. */
  enabled: false,
  /** One of the agent's queues takes video calls: going Online asks for the camera too. */
  wantsCamera: false,
  message: null as string | null,
  media: null as CallMedia | null,
  /** The core call the SIP leg in `media` belongs to. */
  callId: null as string | null,
  dtmf: storedDtmf(),
});

let ua: UA | null = null;
let ringing: Ringing[] = [];
const inviteWaiters: Array<() => void> = [];
let heartbeat: ReturnType<typeof setInterval> | null = null;
let started: string | null = null;
/** The SIP domain of the agent's address (sip:<user>@<domain>): where "New call" sends its INVITE. */
let sipDomain: string | null = null;

const agentId = (): string | null => session.me?.agent?.id ?? null;
const status = (): AgentStatus => session.me?.agent?.status ?? 'OFFLINE';

const remember = (): void => {
  const me = agentId();
  if (me !== null) writeStatusRecord({ agentId: me, status: status(), at: Date.now() });
};

const findRinging = (offer: { offerId: string; callId: string }): Ringing | undefined =>
  ringing.find((r) => r.offerId === offer.offerId) ?? ringing.find((r) => r.offerId === null && r.callId === offer.callId) ?? ringing.find((r) => r.callId === offer.callId);

/** Asks for the microphone (and camera for video queues) so a refusal shows before any call rings. */
const checkDevices = async (): Promise<boolean> => {
  if (navigator.mediaDevices?.getUserMedia === undefined) {
    state.message = 'This browser cannot use a microphone here (it needs HTTPS), so you stay Offline.';
    return false;
  }
  try {
    const stream = await navigator.mediaDevices.getUserMedia(devices.constraints(state.wantsCamera));
    for (const track of stream.getTracks()) track.stop();
    void devices.refresh();
    return true;
  } catch (error) {
    const refused = error instanceof DOMException && (error.name === 'NotAllowedError' || error.name === 'SecurityError');
    state.message = refused
      ? `${state.wantsCamera ? 'Microphone and camera access were' : 'Microphone access was'} refused, so you stay Offline. Allow ${state.wantsCamera ? 'them' : 'it'} for this site in the browser and go Online again.`
      : `No usable microphone${state.wantsCamera ? ' or camera' : ''} (${error instanceof Error ? error.message : String(error)}), so you stay Offline.`;
    return false;
  }
};

const adoptIncoming = (sipSession: RTCSession, request: { getHeader(name: string): string | undefined; body?: string }): void => {
  const entry: Ringing = {
    session: sipSession,
    callId: request.getHeader('X-CC-Call-Id') || null,
    offerId: request.getHeader('X-CC-Offer-Id') || null,
    video: /^m=video [1-9]/m.test(request.body ?? ''),
  };
  ringing.push(entry);
  const forget = (): void => {
    ringing = ringing.filter((r) => r !== entry);
  };
  sipSession.on('failed', forget);
  sipSession.on('ended', forget);
  sipSession.on('accepted', forget);
  for (const wake of inviteWaiters.splice(0)) wake();
  // A call the agent placed through the platform (New call without the softphone dialling, or a
  // customer id): the edge rings this phone first with answer-after=0 and no offer id. The agent
  // asked for it, so it is answered at once, as click-to-dial phones do.
  if (entry.offerId === null && entry.callId !== null && /answer-after=0\b/i.test(request.getHeader('Call-Info') ?? '')) {
    const callId = entry.callId;
    void answerRinging(entry, callId).then(() => workspace.follow(callId));
  }
};

const register = async (): Promise<void> => {
  if (ua !== null || !state.enabled) return;
  let credentials: SipCredentials;
  try {
    credentials = (await graphql<{ sipCredentials: SipCredentials }>('{ sipCredentials { uri authorizationUser password wsUrl realm } }')).sipCredentials;
  } catch (error) {
    if (codeOf(error) === 'NOT_FOUND') {
      // A platform without a SIP edge is a normal set-up: calls come through the API only, no phone to show.
      state.enabled = false;
      state.phone = 'off';
      return;
    }
    state.phone = 'unavailable';
    state.message = `The phone cannot register: ${messageOf(error)}`;
    return;
  }
  if (ua !== null) return;
  sipDomain = credentials.uri.replace(/^sips?:/, '').split('@').pop()?.split(/[;>]/)[0] ?? null;
  state.phone = 'connecting';
  const agent = new JsSIP.UA({
    sockets: [new JsSIP.WebSocketInterface(credentials.wsUrl)],
    uri: credentials.uri,
    authorization_user: credentials.authorizationUser,
    password: credentials.password,
    realm: credentials.realm,
    display_name: session.me?.agent?.fullName ?? 'Agent',
    register: true,
    register_expires: 300,
    // The gateway refreshes nothing with UPDATE; hold uses re-INVITE.
    session_timers: false,
    connection_recovery_min_interval: 1,
    connection_recovery_max_interval: 8,
    user_agent: 'cc-console',
  });
  // JsSIP reconnects on its own (1 to 8 s apart) and registers again once connected; the phone is
  // back only when registered, so that is when the "phone connection lost" banner clears.
  agent.on('disconnected', () => {
    if (ua !== agent) return;
    state.phone = 'connecting';
    connection.report(PHONE_FEED, false);
  });
  agent.on('registered', () => {
    state.phone = 'ready';
    state.message = null;
    connection.report(PHONE_FEED, true);
  });
  agent.on('registrationFailed', ({ cause }) => {
    state.phone = 'unavailable';
    state.message = `The phone could not register (${String(cause)}). Calls still show here; answering uses the platform without audio.`;
  });
  agent.on('newRTCSession', (event: RTCSessionEvent) => {
    if (event.originator === 'remote') adoptIncoming(event.session, event.request);
  });
  ua = agent;
  agent.start();
};

const unregister = (): void => {
  const agent = ua;
  ua = null;
  if (agent !== null) {
    agent.removeAllListeners();
    agent.stop();
  }
  connection.forget(PHONE_FEED);
  for (const entry of ringing) if (!entry.session.isEnded()) entry.session.terminate();
  ringing = [];
  state.phone = 'off';
};

const endMedia = (media: CallMedia): void => {
  media.dispose();
  if (state.media === media) {
    state.media = null;
    state.callId = null;
  }
  void workspace.refresh();
};

const waitForInvite = (offer: CallOffer): Promise<Ringing | undefined> =>
  new Promise((resolve) => {
    const found = findRinging(offer);
    if (found !== undefined || state.phone !== 'ready') return resolve(found);
    const timer = setTimeout(() => resolve(findRinging(offer)), INVITE_GRACE_MS);
    const check = (): void => {
      const match = findRinging(offer);
      if (match === undefined) return void inviteWaiters.push(check);
      clearTimeout(timer);
      resolve(match);
    };
    inviteWaiters.push(check);
  });

/** Opens the microphone (and camera) and answers a ringing INVITE; a refused device declines it. */
const answerRinging = async (entry: Ringing, callId: string): Promise<boolean> => {
  const video = entry.video;
  let local: MediaStream;
  try {
    local = await navigator.mediaDevices.getUserMedia(devices.constraints(video));
  } catch (error) {
    state.message = `The microphone could not be opened (${messageOf(error)}): the call was declined.`;
    entry.session.terminate({ status_code: 603, reason_phrase: 'Decline' });
    return true;
  }
  const media = new CallMedia(entry.session, local, devices.choice.speakerId);
  state.media?.dispose();
  state.media = media;
  state.callId = entry.callId ?? callId;
  entry.session.on('confirmed', () => void workspace.follow(state.callId ?? callId).then(() => workspace.refresh()));
  entry.session.on('hold', () => setTimeout(() => void workspace.refresh(), 300));
  entry.session.on('unhold', () => setTimeout(() => void workspace.refresh(), 300));
  entry.session.on('ended', () => endMedia(media));
  entry.session.on('failed', () => endMedia(media));
  entry.session.answer({ mediaStream: local, pcConfig: { iceServers: [] } });
  return true;
};

const legs: PhoneLegs = {
  async answer(offer) {
    const entry = await waitForInvite(offer);
    if (entry === undefined) return false;
    return answerRinging(entry, offer.callId);
  },
  decline(offer) {
    const entry = findRinging(offer);
    if (entry === undefined) return false;
    entry.session.terminate({ status_code: 603, reason_phrase: 'Decline' });
    return true;
  },
  hangUp(callId) {
    const media = state.media;
    if (media === null || state.callId !== callId || media.session.isEnded()) return false;
    media.session.terminate();
    return true;
  },
  hold(callId) {
    const media = state.media;
    if (media === null || state.callId !== callId || !media.session.isEstablished()) return false;
    return media.session.hold();
  },
  resume(callId) {
    const media = state.media;
    if (media === null || state.callId !== callId || !media.session.isEstablished()) return false;
    return media.session.unhold();
  },
  get muted() {
    return state.media?.muted ?? false;
  },
  toggleMute() {
    state.media?.toggleMute();
  },
};

export const softphone = {
  get phone(): PhoneState {
    return state.phone;
  },
  get enabled(): boolean {
    return state.enabled;
  },
  get wantsCamera(): boolean {
    return state.wantsCamera;
  },
  get message(): string | null {
    return state.message;
  },
  get media(): CallMedia | null {
    return state.media;
  },
  /** The SIP call's media when it belongs to this core call. */
  mediaFor(callId: string | null | undefined): CallMedia | null {
    return callId !== null && callId !== undefined && state.callId === callId ? state.media : null;
  },
  get dtmfTransport(): DtmfTransport {
    return state.dtmf;
  },
  set dtmfTransport(transport: DtmfTransport) {
    state.dtmf = transport;
    try {
      localStorage.setItem(DTMF_KEY, transport);
    } catch {
      // No storage: for this page only.
    }
  },
  clearMessage(): void {
    state.message = null;
  },
  /** The phone is registered and free: "New call" dials through it. */
  get canDial(): boolean {
    return ua !== null && state.phone === 'ready' && sipDomain !== null && state.media === null;
  },

  /**
   * "New call" from the softphone: INVITE sip:<E.164>@<SIP domain>. The gateway authenticates it with
   * this session's SIP credentials (JsSIP answers the 407), places the call in the core and dials the
   * trunk; ringing and early media come back on this session. The workspace finds the core's call
   * (the agent's newest open call) as the far end rings, answers or refuses. Returns the error to
   * show, or null once the INVITE is on its way. `customerId`: the customer called by id, sent as
   * X-CC-Customer-Id so the platform keeps it on the call.
   */
  async dial(number: string, customerId: string | null = null): Promise<string | null> {
    const agent = ua;
    if (agent === null || sipDomain === null || state.phone !== 'ready') return 'The phone is not registered: go Online first.';
    if (state.media !== null) return 'You are on a call already.';
    let local: MediaStream;
    try {
      local = await navigator.mediaDevices.getUserMedia(devices.constraints(false));
    } catch (error) {
      return `The microphone could not be opened (${messageOf(error)}), so the call was not placed.`;
    }
    const reference = (customerId ?? '').replace(/[\r\n]/g, '').trim();
    const sipSession = agent.call(`sip:${number}@${sipDomain}`, {
      mediaStream: local,
      pcConfig: { iceServers: [] },
      ...(reference === '' ? {} : { extraHeaders: [`X-CC-Customer-Id: ${reference}`] }),
    });
    const media = new CallMedia(sipSession, local, devices.choice.speakerId);
    state.media = media;
    state.callId = null;
    const findCall = async (): Promise<void> => {
      await workspace.findCurrent();
      if (state.media === media && state.callId === null && workspace.call !== null) state.callId = workspace.call.id;
    };
    sipSession.on('progress', () => void findCall());
    sipSession.on('accepted', () => void findCall());
    sipSession.on('confirmed', () => void findCall().then(() => workspace.refresh()));
    sipSession.on('failed', (event: { cause?: string }) => {
      if (event.cause !== undefined && event.cause !== 'Canceled') state.message = `The call to ${number} did not connect (${event.cause}).`;
      endMedia(media);
      void workspace.findCurrent();
    });
    sipSession.on('ended', () => endMedia(media));
    return null;
  },

  /** For the signed-in agent: learns the typology, restores the status after a reload, registers when Online. */
  start(): () => void {
    const me = agentId();
    if (me === null) return () => {};
    const key = `${session.me?.organisation.id}/${me}`;
    if (started === key) return () => this.stop();
    this.stop();
    started = key;
    workspace.usePhone(legs);
    heartbeat = setInterval(remember, HEARTBEAT_MS);
    window.addEventListener('pagehide', remember);
    void (async () => {
      try {
        const data = await graphql<{ me: { agent: { typology: string } | null }; queues: Array<{ id: string; video: boolean }> }>('{ me { agent { typology } } queues { id video } }');
        const mine = new Set(session.me?.agent?.queueIds ?? []);
        state.enabled = data.me.agent?.typology === 'WEBRTC';
        state.wantsCamera = data.queues.some((queue) => mine.has(queue.id) && queue.video);
      } catch {
        state.enabled = false;
      }
      if (started !== key) return;
      const decision = restoreDecision(readStatusRecord(), me, status(), Date.now());
      if (decision.kind === 'offline') await workspace.setStatus('OFFLINE');
      else if (decision.kind === 'restore' && decision.status !== status()) await this.setStatus(decision.status as AgentStatus);
      else if (status() === 'ONLINE' && state.enabled) {
        if (await checkDevices()) await register();
        else await workspace.setStatus('OFFLINE');
      } else if (status() !== 'OFFLINE' && state.enabled) await register();
      remember();
    })();
    return () => this.stop();
  },
  stop(): void {
    if (started === null) return;
    started = null;
    if (heartbeat !== null) clearInterval(heartbeat);
    heartbeat = null;
    window.removeEventListener('pagehide', remember);
    state.media?.session.terminate();
    unregister();
    workspace.usePhone(null);
  },

  /**
   * Changes the agent's status (with a reason for Break, Meeting, Education); Online first needs the
   * microphone (else the agent stays or goes Offline). Says whether the platform took the status.
   */
  async setStatus(next: AgentStatus, reason: string | null = null): Promise<boolean> {
    state.message = null;
    if (next === 'ONLINE' && state.enabled) {
      if (!(await checkDevices())) {
        if (status() !== 'OFFLINE') await workspace.setStatus('OFFLINE');
        unregister();
        remember();
        return false;
      }
    }
    const done = await workspace.setStatus(next, reason);
    remember();
    if (status() === 'OFFLINE') unregister();
    else if (state.enabled) await register();
    return done;
  },
};
