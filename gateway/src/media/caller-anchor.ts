/**
 * The caller's media anchored once per call on rtpengine, so a SIP caller can hear ringback, an
 * announcement or music before any agent exists, and keeps the same media ports when one answers.
 * The call's two parties are the caller `c.<callId>` and the far side `a.<callId>`; the far side is
 * first the gateway itself (an answer pointing at the discard port: rtpengine plays files to the
 * caller) and then whichever agent phone answers (a new answer on the same pair). rtpengine gives
 * the caller's side new local ports on that answer but keeps the early ones forwarding, so the
 * caller is told the early ports again in the 200 (same ports as the 183: no re-INVITE needed).
 * `inject-DTMF` is set on every offer and answer: `play DTMF` needs it.
 */
import { createRequire } from 'node:module';
import type { BencodeDictionary } from './bencode.ts';
import type { MediaEndpointKind, MediaSide } from './media-port.ts';
import type { NgClient } from './ng-client.ts';
import { answerFlagsTowards, offerFlagsTowards, partyTags } from './rtpengine-media.ts';
import { withBundleGroup, withoutZeroConnection } from './webrtc-description.ts';

interface Rtp {
  payload: number;
  codec: string;
  rate: number;
  encoding?: number;
}
interface Media {
  type: string;
  port: number;
  protocol: string;
  payloads?: string | number;
  rtp: Rtp[];
  fmtp: Array<{ payload: number; config: string }>;
  direction?: string;
  connection?: { version: number; ip: string };
  [key: string]: unknown;
}
interface Session {
  origin?: { username: string; sessionId: string | number; sessionVersion: number; netType: string; ipVer: number; address: string };
  connection?: { version: number; ip: string };
  media: Media[];
  [key: string]: unknown;
}
interface SdpTransform {
  parse(sdp: string): Session;
  write(session: Session): string;
}
const require = createRequire(import.meta.url);
const sdpTransform = require('sdp-transform') as SdpTransform;

/** The discard service: where the caller's audio goes while the gateway itself is the far side. */
const DISCARD_PORT = 9;

export interface CallerAnchor {
  /** Anchors the caller's offer and answers it from the media server: the answer for the 183 (and later the 200). */
  answerCaller(callId: string, callerOffer: string): Promise<string>;
  /** The caller's offer as an agent of this kind must see it, for the agent leg `legId`. */
  offerToAgent(callId: string, agentKind: MediaEndpointKind, callerOffer: string, legId?: string): Promise<string>;
  /** Connects the answering agent of leg `legId`; resolves with the answer for the caller, on the early ports. */
  answerFromAgent(callId: string, agentKind: MediaEndpointKind, agentAnswer: string, earlyAnswer: string, legId?: string): Promise<string>;
  /** A re-offer (hold, resume) from one side; `kinds` says what each side speaks. */
  reoffer(callId: string, from: MediaSide, kinds: Record<MediaSide, MediaEndpointKind>, offer: string): Promise<string>;
  reanswer(callId: string, from: MediaSide, kinds: Record<MediaSide, MediaEndpointKind>, answer: string): Promise<string>;
  /** Plays a WAV file to one side, over and over until stopped. */
  play(callId: string, to: MediaSide, file: string): Promise<void>;
  stopPlaying(callId: string, to: MediaSide): Promise<void>;
  /** Sends RFC 4733 telephone-events to one side (generated as if the other side sent them). */
  playDtmf(callId: string, to: MediaSide, digits: string): Promise<void>;
  /** The call is over: forget what the anchor kept for it. */
  release?(callId: string): void;
  /** Leg `legId`'s agent is the caller's far side again (back from a consultation whose colleague answered on this anchor). */
  reconnectAgent?(callId: string, legId: string): void;
  /**
   * The connected agent's party (leg `agentLegId`, the anchor's agent side) offers anew towards a
   * party of its own for leg `partyLegId` (a consulted number, plain RTP): `send` takes that offer to
   * the party and resolves with its answer; resolves with the answer for the agent. The agent keeps
   * its ports, so a browser keeps its ICE and DTLS session (Chromium does not restart DTLS for a new
   * media call of the same rtpengine: same certificate, so same fingerprint, and no handshake).
   */
  connectAgentTo?(callId: string, agentLegId: string, agentKind: MediaEndpointKind, agentOffer: string, partyLegId: string, send: (offer: string) => Promise<string>): Promise<string>;
  /**
   * The caller's own audio reaches no agent any more (on hold, consulting, waiting for a transfer),
   * whichever far side the anchor connects later, and no agent's audio reaches the caller (a phone
   * that ignores a=sendonly keeps sending); what is played to the caller still plays.
   * Absent: the media server cannot withhold it.
   */
  blockCaller?(callId: string): Promise<void>;
  /** The caller's audio flows again, to whoever is its far side now, and that far side's audio to the caller. */
  unblockCaller?(callId: string): Promise<void>;
}

const withInjection = (flags: BencodeDictionary): BencodeDictionary => ({ ...flags, flags: [...(Array.isArray(flags.flags) ? flags.flags : []), 'inject-DTMF'] });

const fromParty = (kind: MediaEndpointKind, sdp: string): string => (kind === 'webrtc' ? withoutZeroConnection(sdp) : sdp);

const other = (side: MediaSide): MediaSide => (side === 'caller' ? 'agent' : 'caller');

/** The gateway's own answer to rtpengine's offer: each stream's first codec (plus telephone-event), sendrecv, towards the discard port. */
export const placeholderAnswer = (offer: string): string => {
  const session = sdpTransform.parse(offer);
  const address = session.connection?.ip ?? session.media.find((media) => media.connection !== undefined)?.connection?.ip ?? '127.0.0.1';
  const media = session.media.map((stream): Media => {
    const voice = stream.rtp.find((rtp) => rtp.codec.toLowerCase() !== 'telephone-event');
    const events = stream.rtp.find((rtp) => rtp.codec.toLowerCase() === 'telephone-event' && rtp.rate === (voice?.rate ?? 8000));
    const kept = [voice, events].filter((rtp): rtp is Rtp => rtp !== undefined);
    if (stream.type !== 'audio' || voice === undefined) return { type: stream.type, port: 0, protocol: stream.protocol, payloads: stream.payloads ?? '0', rtp: [], fmtp: [] };
    return {
      type: 'audio',
      port: DISCARD_PORT,
      protocol: stream.protocol,
      payloads: kept.map((rtp) => rtp.payload).join(' '),
      rtp: kept,
      fmtp: stream.fmtp.filter((fmtp) => kept.some((rtp) => rtp.payload === fmtp.payload)),
      direction: 'sendrecv',
    };
  });
  return sdpTransform.write({
    version: 0,
    origin: { username: 'cc-gateway', sessionId: Date.now(), sessionVersion: 1, netType: 'IN', ipVer: 4, address },
    name: 'contact center',
    timing: { start: 0, stop: 0 },
    connection: { version: 4, ip: address },
    media,
  });
};

/**
 * `answer` on the early description: each stream's port, address and RTCP port taken from `early`
 * (the stream order is the caller's, in both), and the early origin and session name. RFC 3261
 * 13.2.1: the 200 must carry the same answer as the 183, so when nothing else differs `early`
 * itself is returned, byte for byte; when the agent's answer changed something (codec, direction)
 * the origin's version is one higher, as for any changed description (RFC 3264 section 8).
 */
export const onEarlyPorts = (answer: string, early: string): string => {
  const session = sdpTransform.parse(answer);
  const before = sdpTransform.parse(early);
  session.media.forEach((media, index) => {
    const was = before.media[index];
    if (was === undefined || media.port === 0) return;
    media.port = was.port;
    // rtpengine's answer names the new RTCP port: the caller keeps the early one, as for RTP.
    if (was.rtcp === undefined) delete media.rtcp;
    else media.rtcp = was.rtcp;
    // The address where the early description has it (per stream, or for the session).
    if (was.connection !== undefined) media.connection = { ...was.connection };
    else if (before.connection !== undefined) delete media.connection;
  });
  if (before.connection !== undefined) session.connection = { ...before.connection };
  if (before.origin !== undefined) session.origin = { ...before.origin };
  if (before.name !== undefined) session.name = before.name;
  if (sdpTransform.write(session) === sdpTransform.write(before)) return early;
  if (session.origin !== undefined) session.origin.sessionVersion = Number(BigInt(String(session.origin.sessionVersion)) + 1n);
  return sdpTransform.write(session);
};

export class RtpengineCallerAnchor implements CallerAnchor {
  readonly client: NgClient;
  /**
   * The answering agent's party, per call. Each agent leg is offered towards a party of its own
   * (`a.<legId>`, an rtpengine branch of the caller's party): re-offering the gateway's plain-RTP
   * placeholder party to a browser left it without a DTLS context (no audio at all), while a party
   * made for the leg is set up as offered. The caller's party, and so its early ports, stay.
   */
  readonly #agentParties = new Map<string, string>();
  /**
   * Per withheld call, the agent parties blocked towards the caller: the connected one when the
   * caller was withheld, and any connected while withheld (a consulted colleague answering on this
   * anchor, a transfer's new agent). All are let through again together.
   */
  readonly #blockedAgents = new Map<string, Set<string>>();

  constructor(client: NgClient) {
    this.client = client;
  }

  /** The call's two parties now: the caller, and the answering agent (or the gateway's placeholder before one). */
  #tags(callId: string): { caller: string; agent: string } {
    const tags = partyTags(callId);
    return { caller: tags.caller, agent: this.#agentParties.get(callId) ?? tags.agent };
  }

  release(callId: string): void {
    this.#agentParties.delete(callId);
    this.#blockedAgents.delete(callId);
  }

  reconnectAgent(callId: string, legId: string): void {
    this.#agentParties.set(callId, partyTags(legId).agent);
    // Back with a withheld caller: that agent is blocked too. Best effort (this is no request the
    // session waits for): a failure leaves the agent audible to the held caller, as without this block.
    this.#blockAgent(callId).catch(() => undefined);
  }

  /** While the caller is withheld, what the connected agent party sends is blocked too (rtpengine blocks what it receives from that party). */
  async #blockAgent(callId: string): Promise<void> {
    const blocked = this.#blockedAgents.get(callId);
    const party = this.#tags(callId).agent;
    if (blocked === undefined || blocked.has(party)) return;
    blocked.add(party);
    await this.client.request('block media', { 'call-id': callId, 'from-tag': party });
  }

  async connectAgentTo(callId: string, agentLegId: string, agentKind: MediaEndpointKind, agentOffer: string, partyLegId: string, send: (offer: string) => Promise<string>): Promise<string> {
    const agent = partyTags(agentLegId).agent;
    const party = partyTags(partyLegId).agent;
    // A dialogue of the agent's party with the new one: rtpengine moves the agent's media from the caller to it.
    const offered = await this.client.offer({ ...offerFlagsTowards('sip'), 'call-id': callId, 'from-tag': agent, 'to-tag': party, sdp: fromParty(agentKind, agentOffer) });
    const answered = await this.client.answer({ ...answerFlagsTowards(agentKind), 'call-id': callId, 'from-tag': agent, 'to-tag': party, sdp: await send(offered.sdp) });
    // Blocked towards the held caller (blockCaller), either would be blocked towards the other too: neither reaches the caller now.
    for (const tag of [agent, party]) if (this.#blockedAgents.get(callId)?.delete(tag) === true) await this.client.request('unblock media', { 'call-id': callId, 'from-tag': tag });
    return agentKind === 'webrtc' ? withBundleGroup(answered.sdp) : answered.sdp;
  }

  async answerCaller(callId: string, callerOffer: string): Promise<string> {
    const tags = partyTags(callId);
    const offered = await this.client.offer({ ...withInjection(offerFlagsTowards('sip')), 'call-id': callId, 'from-tag': tags.caller, sdp: callerOffer });
    const answered = await this.client.answer({ ...withInjection(answerFlagsTowards('sip')), 'call-id': callId, 'from-tag': tags.caller, 'to-tag': tags.agent, sdp: placeholderAnswer(offered.sdp) });
    return answered.sdp;
  }

  async offerToAgent(callId: string, agentKind: MediaEndpointKind, callerOffer: string, legId?: string): Promise<string> {
    const tags = partyTags(callId);
    const params = { ...withInjection(offerFlagsTowards(agentKind)), 'call-id': callId, 'from-tag': tags.caller, sdp: callerOffer };
    const offered = await this.client.offer(legId === undefined ? params : { ...params, 'to-tag': partyTags(legId).agent });
    return offered.sdp;
  }

  async answerFromAgent(callId: string, agentKind: MediaEndpointKind, agentAnswer: string, earlyAnswer: string, legId?: string): Promise<string> {
    const tags = partyTags(callId);
    const agentParty = legId === undefined ? tags.agent : partyTags(legId).agent;
    const answered = await this.client.answer({ ...withInjection(answerFlagsTowards('sip')), 'call-id': callId, 'from-tag': tags.caller, 'to-tag': agentParty, sdp: fromParty(agentKind, agentAnswer) });
    this.#agentParties.set(callId, agentParty);
    // Connected while the caller is withheld (a consulted colleague, a transfer's new agent): blocked
    // until let through. Best effort: a failure must not fail the answer (the agent stays audible).
    await this.#blockAgent(callId).catch(() => undefined);
    return onEarlyPorts(answered.sdp, earlyAnswer);
  }

  async reoffer(callId: string, from: MediaSide, kinds: Record<MediaSide, MediaEndpointKind>, offer: string): Promise<string> {
    const tags = this.#tags(callId);
    const to = other(from);
    const offered = await this.client.offer({ ...withInjection(offerFlagsTowards(kinds[to])), 'call-id': callId, 'from-tag': tags[from], 'to-tag': tags[to], sdp: fromParty(kinds[from], offer) });
    // Back with a withheld caller from another party (connectAgentTo): blocked towards it again. Best effort, as in reconnectAgent.
    if (from === 'agent') await this.#blockAgent(callId).catch(() => undefined);
    return offered.sdp;
  }

  async reanswer(callId: string, from: MediaSide, kinds: Record<MediaSide, MediaEndpointKind>, answer: string): Promise<string> {
    const tags = this.#tags(callId);
    const to = other(from);
    const answered = await this.client.answer({ ...withInjection(answerFlagsTowards(kinds[from])), 'call-id': callId, 'from-tag': tags[from], 'to-tag': tags[to], sdp: fromParty(kinds[to], answer) });
    // A browser offering anew (back from a consultation) has its stream in a BUNDLE group: the answer must keep it.
    return kinds[from] === 'webrtc' ? withBundleGroup(answered.sdp) : answered.sdp;
  }

  async blockCaller(callId: string): Promise<void> {
    // Blocks what rtpengine receives from the caller's party; play media towards it is not affected.
    await this.client.request('block media', { 'call-id': callId, 'from-tag': partyTags(callId).caller });
    // And what it receives from the connected agent's party (the gateway's placeholder before one):
    // music played to the caller is not affected either (hold-caller-audio.test.ts).
    if (!this.#blockedAgents.has(callId)) this.#blockedAgents.set(callId, new Set());
    await this.#blockAgent(callId);
  }

  async unblockCaller(callId: string): Promise<void> {
    await this.client.request('unblock media', { 'call-id': callId, 'from-tag': partyTags(callId).caller });
    const blocked = this.#blockedAgents.get(callId) ?? new Set<string>();
    this.#blockedAgents.delete(callId);
    // Every one is tried; the first failure is reported.
    const results = await Promise.allSettled([...blocked].map((party) => this.client.request('unblock media', { 'call-id': callId, 'from-tag': party })));
    const failed = results.find((result) => result.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  }

  async play(callId: string, to: MediaSide, file: string): Promise<void> {
    // rtpengine plays to the party named by from-tag; 'repeat-times' keeps a short file going for hours.
    await this.client.request('play media', { 'call-id': callId, 'from-tag': this.#tags(callId)[to], file, 'repeat-times': 10_000 });
  }

  async stopPlaying(callId: string, to: MediaSide): Promise<void> {
    await this.client.request('stop media', { 'call-id': callId, 'from-tag': this.#tags(callId)[to] });
  }

  async playDtmf(callId: string, to: MediaSide, digits: string): Promise<void> {
    // play DTMF names the party the events come from: the other side of the one who hears them.
    const from = this.#tags(callId)[other(to)];
    for (const digit of digits) await this.client.request('play DTMF', { 'call-id': callId, 'from-tag': from, code: digit, duration: 160, pause: 100 });
  }
}
