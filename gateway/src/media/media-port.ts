/**
 * The narrow media port the call-session logic is written against: it anchors a call's media so a
 * plain SIP caller (RTP/AVP) and a browser (ICE + DTLS-SRTP) can hear each other. Each agent leg
 * is anchored on its own (a ring-all call rings several phones with one caller offer), inside one
 * media call named by the core's call id. rtpengine implements it (rtpengine-media.ts); the
 * production stack's FreeSWITCH endpoints can implement it the same way.
 */

/** How a party speaks media: a browser (WebRTC: ICE, DTLS-SRTP, rtcp-mux) or a SIP phone/trunk (plain RTP). */
export type MediaEndpointKind = 'webrtc' | 'sip';

/** One agent leg of a call, as the media port knows it. */
export interface MediaLeg {
  /** The core's call id: one media call per contact-center call. */
  callId: string;
  /** The leg's own id (the core's offer id): names the caller's and the agent's side of this leg. */
  legId: string;
  caller: MediaEndpointKind;
  agent: MediaEndpointKind;
  /** Digits may be played into this leg (playDtmf): the media server must be told from the first offer. */
  injectDtmf?: boolean;
}

/** Which side of a leg sent a description. */
export type MediaSide = 'caller' | 'agent';

/** Packets and bytes the anchor received from one party (so: sent by that party). */
export interface MediaPartyStats {
  legId: string;
  side: MediaSide;
  /** The party's tag in the media server. */
  tag: string;
  packets: number;
  bytes: number;
}

export interface MediaStats {
  callId: string;
  parties: MediaPartyStats[];
}

export interface MediaPort {
  /** Anchors the caller's offer for one agent leg; resolves with the offer to send to that agent. */
  offerToAgent(leg: MediaLeg, callerOffer: string): Promise<string>;
  /** The agent's answer on that leg; resolves with the answer to send to the caller. */
  answerFromAgent(leg: MediaLeg, agentAnswer: string): Promise<string>;
  /** A new offer inside the call (hold, resume) from one side; resolves with the offer for the other side. */
  reoffer(leg: MediaLeg, from: MediaSide, offer: string): Promise<string>;
  /** The other side's answer to that re-offer; resolves with the answer for the side that re-offered. */
  reanswer(leg: MediaLeg, from: MediaSide, answer: string): Promise<string>;
  /** Releases one leg's media (an agent that did not answer). */
  endLeg(leg: MediaLeg): Promise<void>;
  /** Releases all the call's media. */
  endCall(callId: string): Promise<void>;
  /** Packet counters per party, for monitoring and tests. */
  stats(callId: string): Promise<MediaStats>;
  /**
   * RFC 4733 digits to one side of a leg anchored with `injectDtmf` (sent as if the other side
   * pressed them, so the other side must be sending audio). Absent: the port cannot send digits.
   */
  playDtmf?(leg: MediaLeg, to: MediaSide, digits: string): Promise<void>;
  /**
   * The caller's side of a leg stops reaching the agent's (a held caller must not be heard), and the
   * agent's side stops reaching the caller's (nor hear the agent); what is played to the caller
   * still plays. Absent: the port cannot withhold the caller's audio.
   */
  blockCaller?(leg: MediaLeg): Promise<void>;
  /** The caller's and the agent's sides of a leg reach each other again. */
  unblockCaller?(leg: MediaLeg): Promise<void>;
}
