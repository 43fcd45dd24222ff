/**
 * What an offer does besides the modal: a desktop notification when the user allowed them, and a
 * ring tone (Web Audio, nothing to download) while it rings, unless sound is switched off.
 */
import type { CallOffer } from '../api/types';
import { preferences } from '../stores/preferences.svelte';

let ringing: ReturnType<typeof setInterval> | null = null;
let audio: AudioContext | null = null;

const beep = (): void => {
  try {
    audio ??= new AudioContext();
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
  }
};

export const announceOffer = (offer: CallOffer): void => {
  if (typeof Notification !== 'undefined' && Notification.permission === 'granted') {
    try {
      const notification = new Notification(offer.kind === 'TRANSFER' ? 'Transferred call' : 'Incoming call', {
        body: `${offer.callerName ?? offer.callerNumber ?? 'Unknown caller'}${offer.queueName ? ` — ${offer.queueName}` : ''}`,
        tag: `offer-${offer.offerId}`,
        requireInteraction: true,
      });
      notification.onclick = () => {
        window.focus();
        notification.close();
      };
    } catch {
      // Some browsers allow notifications only from a service worker; the modal is enough.
    }
  }
  stopRinging();
  if (preferences.sound) {
    beep();
    ringing = setInterval(beep, 1500);
  }
};

export const stopRinging = (): void => {
  if (ringing !== null) clearInterval(ringing);
  ringing = null;
};
