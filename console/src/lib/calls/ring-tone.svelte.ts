/**
 * The ring tone while an offer rings: an 880 Hz beep every 1.5 s (Web Audio, nothing to download).
 * Each beep looks at the sound preference, so switching it off (or on) mid-ring takes effect at once.
 * `playing` is what the offer modal shows, so the agent can see that an offer rings silently.
 */
import { preferences } from '../stores/preferences.svelte';

const BEEP_EVERY_MS = 1500;

let timer: ReturnType<typeof setInterval> | null = null;
let audio: AudioContext | null = null;
let ringing = $state(false);
/** The browser refused to start audio (no user gesture on this page yet, say). */
let blocked = $state(false);

const beep = (): void => {
  if (!preferences.sound) return;
  try {
    if (audio === null) {
      audio = new AudioContext();
      // A new context may take a moment to start (a busy machine): say "on" as soon as it runs.
      const context = audio;
      context.addEventListener('statechange', () => (blocked = context.state !== 'running'));
    }
    // A context made before the agent touched the page starts suspended; resuming works once they have.
    if (audio.state === 'suspended') void audio.resume().catch(() => {});
    blocked = audio.state !== 'running';
    const oscillator = audio.createOscillator();
    const gain = audio.createGain();
    oscillator.frequency.value = 880;
    gain.gain.setValueAtTime(0.0001, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.2, audio.currentTime + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + 0.4);
    oscillator.connect(gain).connect(audio.destination);
    oscillator.start();
    oscillator.stop(audio.currentTime + 0.45);
  } catch {
    // No audio output: the modal and the notification still show the offer.
    blocked = true;
  }
};

export const ringTone = {
  /** An offer rings: the tone plays while the sound preference is on. */
  start(): void {
    this.stop();
    ringing = true;
    beep();
    timer = setInterval(beep, BEEP_EVERY_MS);
  },
  stop(): void {
    if (timer !== null) clearInterval(timer);
    timer = null;
    ringing = false;
  },
  /** 'playing', 'off' (sound switched off while an offer rings), 'blocked' (the browser holds audio back) or 'idle'. */
  get state(): 'playing' | 'off' | 'blocked' | 'idle' {
    if (!ringing) return 'idle';
    if (!preferences.sound) return 'off';
    return blocked ? 'blocked' : 'playing';
  },
};
