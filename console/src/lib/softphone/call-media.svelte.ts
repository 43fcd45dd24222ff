/**
 * The media of one SIP call in this browser (an agent's answered call or a visitor's call): the
 * remote audio on the chosen speaker, local and remote streams for the video elements, mute, camera
 * on/off, screen share in place of the camera, DTMF, and the call-quality figures from getStats.
 */
import type { RTCSession } from 'jssip/lib/RTCSession';
import { EMPTY_QUALITY, readQuality, type CallQuality } from './call-quality';
import { routeToSpeaker } from './media-devices.svelte';

/** SIP INFO (application/dtmf-relay: the gateway sees it and the core records it) or RFC 4733 events in the media. */
export type DtmfTransport = 'INFO' | 'RFC2833';

let speaker: HTMLAudioElement | null = null;

/** One hidden audio element for the far end's voice: setSinkId needs an element, autoplay needs it in the page. */
const remoteAudio = (): HTMLAudioElement => {
  if (speaker === null) {
    speaker = document.createElement('audio');
    speaker.autoplay = true;
    speaker.setAttribute('aria-hidden', 'true');
    speaker.dataset.role = 'remote-audio';
    document.body.append(speaker);
  }
  return speaker;
};

export class CallMedia {
  remoteStream = $state<MediaStream | null>(null);
  localStream = $state<MediaStream | null>(null);
  quality = $state<CallQuality>(EMPTY_QUALITY);
  muted = $state(false);
  cameraOff = $state(false);
  sharing = $state(false);
  /** The shared screen while sharing: the small preview shows what the far end sees. */
  screenStream = $state<MediaStream | null>(null);
  /** Why the last media action did not work (screen share refused, no video to replace). */
  problem = $state<string | null>(null);
  readonly session: RTCSession;
  readonly #speakerId: string;
  #poll: ReturnType<typeof setInterval> | null = null;
  #screen: MediaStreamTrack | null = null;

  constructor(session: RTCSession, localStream: MediaStream | null, speakerId: string) {
    this.session = session;
    this.localStream = localStream;
    this.#speakerId = speakerId;
    session.on('peerconnection', ({ peerconnection }) => this.#watch(peerconnection));
    // An outgoing call's connection exists already when the session is handed over.
    const existing = session.connection as RTCPeerConnection | undefined;
    if (existing !== undefined && existing !== null) this.#watch(existing);
    this.#poll = setInterval(() => void this.#measure(), 1000);
  }

  /** What this browser sends as video: the shared screen, else the camera. */
  get preview(): MediaStream | null {
    return this.screenStream ?? this.localStream;
  }

  get video(): boolean {
    return (this.localStream?.getVideoTracks().length ?? 0) > 0 || (this.remoteStream?.getVideoTracks().length ?? 0) > 0;
  }

  toggleMute(): void {
    if (this.muted) this.session.unmute({ audio: true });
    else this.session.mute({ audio: true });
    this.muted = !this.muted;
  }

  toggleCamera(): void {
    if (this.localStream?.getVideoTracks().length === 0) {
      this.problem = 'This is an audio call: there is no camera to switch.';
      return;
    }
    if (this.cameraOff) this.session.unmute({ video: true });
    else this.session.mute({ video: true });
    this.cameraOff = !this.cameraOff;
  }

  /** Sends the screen in place of the camera; the camera comes back when sharing ends. */
  async toggleScreenShare(): Promise<void> {
    if (this.sharing) return this.#stopSharing();
    const sender = this.#videoSender();
    if (sender === null) {
      this.problem = 'Screen sharing needs a video call.';
      return;
    }
    let screen: MediaStream;
    try {
      screen = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    } catch {
      this.problem = 'Screen sharing was cancelled or refused.';
      return;
    }
    const track = screen.getVideoTracks()[0];
    if (track === undefined) return;
    this.problem = null;
    this.#screen = track;
    track.addEventListener('ended', () => void this.#stopSharing());
    await sender.replaceTrack(track);
    this.screenStream = screen;
    this.sharing = true;
  }

  sendDigit(digit: string, transport: DtmfTransport): void {
    // JsSIP's constant values are these strings; its .d.ts declares them as an enum.
    this.session.sendDTMF(digit, { transportType: transport as never, duration: 160 });
  }

  /** Stops polling and releases the microphone, camera and screen. */
  dispose(): void {
    if (this.#poll !== null) clearInterval(this.#poll);
    this.#poll = null;
    this.#screen?.stop();
    for (const track of this.localStream?.getTracks() ?? []) track.stop();
    if (speaker !== null && speaker.srcObject === this.remoteStream) speaker.srcObject = null;
  }

  #watch(connection: RTCPeerConnection): void {
    connection.addEventListener('track', (event) => {
      const stream = event.streams[0] ?? new MediaStream([event.track]);
      this.remoteStream = stream;
      const audio = remoteAudio();
      audio.srcObject = stream;
      void routeToSpeaker(audio, this.#speakerId).then(() => audio.play().catch(() => {}));
    });
  }

  #videoSender(): RTCRtpSender | null {
    const connection = this.session.connection as RTCPeerConnection | undefined;
    return connection?.getSenders().find((sender) => sender.track?.kind === 'video') ?? null;
  }

  async #stopSharing(): Promise<void> {
    const camera = this.localStream?.getVideoTracks()[0] ?? null;
    this.#screen?.stop();
    this.#screen = null;
    this.screenStream = null;
    this.sharing = false;
    await this.#videoSender()?.replaceTrack(camera);
  }

  async #measure(): Promise<void> {
    const connection = this.session.connection as RTCPeerConnection | undefined;
    if (connection === undefined || connection === null || connection.connectionState === 'closed') return;
    try {
      this.quality = await readQuality(connection);
    } catch {
      // The connection closed between the check and the read.
    }
  }
}
