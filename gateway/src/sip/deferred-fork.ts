/**
 * A fork of a ForkedLeg whose offer is not ready when the fork is made: a registration of another
 * kind than the dialled one (a desk phone next to a browser needs plain RTP, the browser WebRTC)
 * or one made while the leg rings (late forking). The real branch is made, and its INVITE sent,
 * once the offer is there. Ending the fork before that is a CANCEL that never had to go out: it is
 * reported as one (487), so the forked leg settles as usual.
 */
import type { OutboundLegListener } from '../signalling/signalling-port.ts';
import { ReofferRefused } from '../signalling/signalling-port.ts';
import type { ForkBranch } from './forked-leg.ts';

/** Reported when no offer could be made for the fork (the leg stopped ringing meanwhile, or the media server failed). */
const NO_OFFER_STATUS = 488;

export class DeferredForkBranch implements ForkBranch {
  readonly target: string;
  readonly #offer: () => Promise<string | null>;
  readonly #make: (offer: string | null) => ForkBranch;
  readonly #listener: OutboundLegListener;
  #branch: ForkBranch | null = null;
  /** Ended (or refused) before the real branch was made. */
  #endedEarly = false;

  constructor(target: string, offer: () => Promise<string | null>, make: (offer: string | null) => ForkBranch, listener: OutboundLegListener) {
    this.target = target;
    this.#offer = offer;
    this.#make = make;
    this.#listener = listener;
  }

  get ended(): boolean {
    return this.#branch?.ended ?? this.#endedEarly;
  }

  start(): void {
    this.#offer().then(
      (offer) => {
        if (this.#endedEarly) return;
        this.#branch = this.#make(offer);
        this.#branch.start();
      },
      () => this.#refuse(NO_OFFER_STATUS),
    );
  }

  end(reason?: string): void {
    if (this.#branch !== null) {
      this.#branch.end(reason);
      return;
    }
    this.#refuse(487);
  }

  reoffer(sdp: string): Promise<string> {
    if (this.#branch === null) return Promise.reject(new ReofferRefused(481, 'this registration was never rung'));
    return this.#branch.reoffer(sdp);
  }

  requestOffer(answer: (offer: string) => Promise<string>): Promise<void> {
    const branch = this.#branch;
    if (branch === null) return Promise.reject(new ReofferRefused(481, 'this registration was never rung'));
    if (branch.requestOffer === undefined) return Promise.reject(new ReofferRefused(501, 'this signalling cannot send a re-INVITE without SDP'));
    return branch.requestOffer(answer);
  }

  #refuse(status: number): void {
    if (this.#endedEarly || this.#branch !== null) return;
    this.#endedEarly = true;
    // Told after the caller's own step, as a response from the network would be.
    queueMicrotask(() => this.#listener.refused(status));
  }
}
