/**
 * The words an offer opens with, in the modal and the desktop notification: a consultation must not
 * read as a call to take over, and the colleague behind a transfer or consultation is named.
 */
import type { CallOffer } from '../api/types';

export const offerTitle = (offer: Pick<CallOffer, 'kind' | 'fromAgentName'>): string => {
  const from = offer.fromAgentName === null ? '' : ` from ${offer.fromAgentName}`;
  if (offer.kind === 'CONSULTATION') return `Consultation${from}`;
  if (offer.kind === 'TRANSFER') return `Transferred call${from}`;
  return 'Incoming call';
};
