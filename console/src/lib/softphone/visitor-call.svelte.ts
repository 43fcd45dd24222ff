/**
 * A website visitor's call to a queue from the public call-link page: no account and no
 * registration, just a JsSIP INVITE to sip:<queue number or id>@<this host> over the console's own
 * /sip WebSocket. Media goes browser to browser; the gateway relays the SDP.
 */
import * as JsSIP from 'jssip';
import type { RTCSession } from 'jssip/lib/RTCSession';
import type { UA } from 'jssip/lib/UA';
import { CallMedia } from './call-media.svelte';

export type VisitorCallState = 'idle' | 'calling' | 'ringing' | 'connected' | 'ended';

/** The SIP WebSocket on the origin that served the page (ws: for http:, wss: for https:). */
export const sipWebSocketUrl = (location: Location): string => `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/sip`;

/** Why a call ended, in words for the visitor, from JsSIP's cause. */
const endedBecause = (cause: string | undefined, originator: string | undefined, wasConnected: boolean): string => {
  if (wasConnected) return originator === 'local' ? 'You hung up.' : 'The call has ended. Thank you for calling.';
  switch (cause) {
    case 'Canceled':
      return 'You cancelled the call.';
    case 'Not Found':
      return 'This contact link does not reach a queue any more.';
    case 'Unavailable':
    case 'Busy':
      return 'Nobody can take your call right now. Please try again later.';
    case 'User Denied Media Access':
      return 'The microphone was not allowed, so the call could not start.';
    case 'Connection Error':
      return 'The call could not connect. Check your connection and try again.';
    default:
      return `The call could not be completed${cause ? ` (${cause})` : ''}.`;
  }
};

export class VisitorCall {
  state = $state<VisitorCallState>('idle');
  /** What the visitor reads after the call (or while it fails). */
  note = $state<string | null>(null);
  media = $state<CallMedia | null>(null);
  connectedAt = $state<number | null>(null);
  readonly queue: string;
  #ua: UA | null = null;
  #session: RTCSession | null = null;

  constructor(queue: string) {
    this.queue = queue;
  }

  /** `contact`: a checked phone number or email the gateway reads from X-CC-Visitor-Contact, or ''. */
  async call(options: { video: boolean; name: string; contact?: string }): Promise<void> {
    if (this.state === 'calling' || this.state === 'ringing' || this.state === 'connected') return;
    this.note = null;
    this.state = 'calling';
    let local: MediaStream;
    try {
      local = await navigator.mediaDevices.getUserMedia({ audio: true, video: options.video });
    } catch {
      this.state = 'ended';
      this.note = options.video ? 'The microphone and camera were not allowed, so the call could not start.' : 'The microphone was not allowed, so the call could not start.';
      return;
    }
    const host = window.location.hostname;
    const ua = (this.#ua ??= new JsSIP.UA({
      sockets: [new JsSIP.WebSocketInterface(sipWebSocketUrl(window.location))],
      uri: `sip:visitor-${crypto.randomUUID().slice(0, 8)}@${host}`,
      display_name: options.name.trim() === '' ? 'Website visitor' : options.name.trim(),
      register: false,
      session_timers: false,
      user_agent: 'cc-contact-page',
    }));
    if (!ua.isConnected()) ua.start();
    // A header value is one line: nothing the visitor typed may start another header.
    const contact = (options.contact ?? '').replace(/[\r\n]/g, '').trim();
    const session = ua.call(`sip:${encodeURIComponent(this.queue)}@${host}`, {
      mediaStream: local,
      pcConfig: { iceServers: [] },
      ...(contact === '' ? {} : { extraHeaders: [`X-CC-Visitor-Contact: ${contact}`] }),
    });
    this.#session = session;
    const media = new CallMedia(session, local, '');
    this.media = media;
    session.on('progress', () => {
      if (this.state === 'calling') this.state = 'ringing';
    });
    session.on('confirmed', () => {
      this.state = 'connected';
      this.connectedAt = Date.now();
    });
    const finish = (event: { cause?: string; originator?: string }): void => {
      const wasConnected = this.state === 'connected';
      media.dispose();
      this.state = 'ended';
      this.connectedAt = null;
      this.note = endedBecause(event.cause, event.originator, wasConnected);
      this.#session = null;
    };
    session.on('ended', finish);
    session.on('failed', finish);
  }

  hangUp(): void {
    const session = this.#session;
    if (session !== null && !session.isEnded()) session.terminate();
  }

  /** Closes the WebSocket when the visitor leaves the page. */
  close(): void {
    this.hangUp();
    this.#ua?.stop();
    this.#ua = null;
  }
}
