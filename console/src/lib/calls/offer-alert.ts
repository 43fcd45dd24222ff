/**
 * What an offer does besides the modal: a desktop notification when the user allowed them (a click
 * answers the offer; it closes after 10 s or as soon as the offer stops ringing), and the ring tone.
 */
import type { CallOffer } from '../api/types';
import { offerTitle } from './offer-title';
import { ringTone } from './ring-tone.svelte';

/** Long enough to notice from another window; the modal keeps ringing after it closes. */
const NOTIFICATION_MS = 10_000;

let shown: Notification | null = null;
let closeTimer: ReturnType<typeof setTimeout> | null = null;

const closeNotification = (): void => {
  if (closeTimer !== null) clearTimeout(closeTimer);
  closeTimer = null;
  shown?.close();
  shown = null;
};

/** Rings for an offer; `answer` runs when the agent clicks the desktop notification. */
export const announceOffer = (offer: CallOffer, answer: (offer: CallOffer) => void): void => {
  stopRinging();
  if (typeof Notification !== 'undefined' && Notification.permission === 'granted') {
    try {
      const notification = new Notification(offerTitle(offer), {
        body: `${offer.callerName ?? offer.callerNumber ?? 'Unknown caller'}${offer.queueName ? ` — ${offer.queueName}` : ''}`,
        tag: `offer-${offer.offerId}`,
        requireInteraction: true,
      });
      notification.onclick = () => {
        window.focus();
        closeNotification();
        answer(offer);
      };
      shown = notification;
      closeTimer = setTimeout(closeNotification, NOTIFICATION_MS);
    } catch {
      // Some browsers allow notifications only from a service worker; the modal is enough.
    }
  }
  ringTone.start();
};

/** The offer stopped ringing (answered, declined, timed out, taken back): silence and close everything. */
export const stopRinging = (): void => {
  ringTone.stop();
  closeNotification();
};
