/**
 * Digits FreeSWITCH detected on the parties' channels (its DTMF events, RFC 4733 or in-band), in the
 * shape the call sessions already follow for rtpengine's reports (dtmf-events.ts). FreeSWITCH only
 * reports digits a channel receives: the ones the gateway sends with uuid_send_dtmf never come back,
 * so there is nothing to skip when the session announces an injection.
 */
import type { DetectedDigit, DigitReports } from '../media/dtmf-events.ts';
import type { MediaSide } from '../media/media-port.ts';
import type { FreeSwitchCalls } from './freeswitch-calls.ts';

export class FreeSwitchDigits implements DigitReports {
  readonly #listeners = new Set<(digit: DetectedDigit) => void>();
  readonly #stop: () => void;

  constructor(calls: FreeSwitchCalls) {
    this.#stop = calls.onDigit((callId, side, digit) => this.#report(callId, side, digit));
  }

  onDigit(listener: (digit: DetectedDigit) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  expectInjected(_callId: string, _side: MediaSide, _digits: string): void {
    // Nothing to skip: see the header.
  }

  close(): void {
    this.#stop();
    this.#listeners.clear();
  }

  #report(callId: string, side: MediaSide, digit: string): void {
    if (!/^[0-9*#A-D]$/i.test(digit)) return;
    for (const listener of this.#listeners) listener({ callId, side, digit: digit.toUpperCase() });
  }
}
