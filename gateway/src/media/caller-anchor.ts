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
import { withoutZeroConnection } from './webrtc-description.ts';

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
  /** The caller's offer as an agent of this kind must see it (ring-all offers all get the same far-side ports). */
  offerToAgent(callId: string, agentKind: MediaEndpointKind, callerOffer: string): Promise<string>;
  /** Connects the answering agent; resolves with the answer for the caller, on the early ports. */
  answerFromAgent(callId: string, agentKind: MediaEndpointKind, agentAnswer: string, earlyAnswer: string): Promise<string>;
  /** A re-offer (hold, resume) from one side; `kinds` says what each side speaks. */
  reoffer(callId: string, from: MediaSide, kinds: Record<MediaSide, MediaEndpointKind>, offer: string): Promise<string>;
  reanswer(callId: string, from: MediaSide, kinds: Record<MediaSide, MediaEndpointKind>, answer: string): Promise<string>;
  /** Plays a WAV file to one side, over and over until stopped. */
  play(callId: string, to: MediaSide, file: string): Promise<void>;
  stopPlaying(callId: string, to: MediaSide): Promise<void>;
  /** Sends RFC 4733 telephone-events to one side (generated as if the other side sent them). */
  playDtmf(callId: string, to: MediaSide, digits: string): Promise<void>;
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

/** `answer` with each stream's port and address taken from `early` (the stream order is the caller's, in both). */
export const onEarlyPorts = (answer: string, early: string): string => {
  const session = sdpTransform.parse(answer);
  const before = sdpTransform.parse(early);
  session.media.forEach((media, index) => {
    const was = before.media[index];
    if (was === undefined || media.port === 0) return;
    media.port = was.port;
    const address = was.connection ?? before.connection;
    if (address !== undefined) {
      if (media.connection !== undefined || session.connection === undefined) media.connection = { ...address };
      else session.connection = { ...address };
    }
  });
  return sdpTransform.write(session);
};

export class RtpengineCallerAnchor implements CallerAnchor {
  readonly client: NgClient;

  constructor(client: NgClient) {
    this.client = client;
  }

  async answerCaller(callId: string, callerOffer: string): Promise<string> {
    const tags = partyTags(callId);
    const offered = await this.client.offer({ ...withInjection(offerFlagsTowards('sip')), 'call-id': callId, 'from-tag': tags.caller, sdp: callerOffer });
    const answered = await this.client.answer({ ...withInjection(answerFlagsTowards('sip')), 'call-id': callId, 'from-tag': tags.caller, 'to-tag': tags.agent, sdp: placeholderAnswer(offered.sdp) });
    return answered.sdp;
  }

  async offerToAgent(callId: string, agentKind: MediaEndpointKind, callerOffer: string): Promise<string> {
    const tags = partyTags(callId);
    const offered = await this.client.offer({ ...withInjection(offerFlagsTowards(agentKind)), 'call-id': callId, 'from-tag': tags.caller, sdp: callerOffer });
    return offered.sdp;
  }

  async answerFromAgent(callId: string, agentKind: MediaEndpointKind, agentAnswer: string, earlyAnswer: string): Promise<string> {
    const tags = partyTags(callId);
    const answered = await this.client.answer({ ...withInjection(answerFlagsTowards('sip')), 'call-id': callId, 'from-tag': tags.caller, 'to-tag': tags.agent, sdp: fromParty(agentKind, agentAnswer) });
    return onEarlyPorts(answered.sdp, earlyAnswer);
  }

  async reoffer(callId: string, from: MediaSide, kinds: Record<MediaSide, MediaEndpointKind>, offer: string): Promise<string> {
    const tags = partyTags(callId);
    const to = other(from);
    const offered = await this.client.offer({ ...withInjection(offerFlagsTowards(kinds[to])), 'call-id': callId, 'from-tag': tags[from], 'to-tag': tags[to], sdp: fromParty(kinds[from], offer) });
    return offered.sdp;
  }

  async reanswer(callId: string, from: MediaSide, kinds: Record<MediaSide, MediaEndpointKind>, answer: string): Promise<string> {
    const tags = partyTags(callId);
    const to = other(from);
    const answered = await this.client.answer({ ...withInjection(answerFlagsTowards(kinds[from])), 'call-id': callId, 'from-tag': tags[from], 'to-tag': tags[to], sdp: fromParty(kinds[to], answer) });
    return answered.sdp;
  }

  async play(callId: string, to: MediaSide, file: string): Promise<void> {
    // rtpengine plays to the party named by from-tag; 'repeat-times' keeps a short file going for hours.
    await this.client.request('play media', { 'call-id': callId, 'from-tag': partyTags(callId)[to], file, 'repeat-times': 10_000 });
  }

  async stopPlaying(callId: string, to: MediaSide): Promise<void> {
    await this.client.request('stop media', { 'call-id': callId, 'from-tag': partyTags(callId)[to] });
  }

  async playDtmf(callId: string, to: MediaSide, digits: string): Promise<void> {
    // play DTMF names the party the events come from: the other side of the one who hears them.
    const from = partyTags(callId)[other(to)];
    for (const digit of digits) await this.client.request('play DTMF', { 'call-id': callId, 'from-tag': from, code: digit, duration: 160, pause: 100 });
  }
}
