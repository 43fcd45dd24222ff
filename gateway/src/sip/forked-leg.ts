/**
 * Forking one agent leg to every live registration of the agent (RFC 3261 16.7, simplified), the
 * way a SIP proxy does, while the call session above still sees one OutboundLeg. An agent may be
 * registered several times: the console open on two computers, a browser and a desk phone.
 *
 * - Every fork gets the same offer; the first 2xx wins and is reported as answered. The other
 *   forks are CANCELled with `Reason: SIP;cause=200;text="Call completed elsewhere"` so phones do
 *   not list a missed call; a 2xx that crosses that CANCEL is ACKed and BYEd by its branch.
 * - 180/183 from any fork reports ringing once (and early media once).
 * - A 6xx (603 Decline) from any fork refuses the whole leg with that status and CANCELs the rest.
 *   A 4xx/5xx refuses it only when every fork has failed, with the best status of them.
 * - Ending the leg from above CANCELs every fork; once answered, everything goes to the winner.
 * - A registration made while the leg rings is rung as one more fork (`addFork`, RFC 3261 16.5: a
 *   proxy may add targets while its server transaction is still proceeding); never once answered or ended.
 */
import type { InDialogListener, LegEnd, OutboundLeg, OutboundLegListener } from '../signalling/signalling-port.ts';
import { ReferRefused, ReofferRefused } from '../signalling/signalling-port.ts';

/** One branch of the fork: a plain leg to one registered contact. */
export interface ForkBranch {
  readonly target: string;
  readonly ended: boolean;
  start(): void;
  /** CANCEL while ringing (with `reason` as the Reason header, when given), BYE once answered. */
  end(reason?: string): void;
  reoffer(sdp: string): Promise<string>;
  /** A re-INVITE without SDP (see OutboundLeg); absent when the branch's signalling cannot send one. */
  requestOffer?(answer: (offer: string) => Promise<string>): Promise<void>;
}

/** Makes the branch to one contact, reporting to `listener`. */
export type ForkBranchFactory = (target: string, listener: OutboundLegListener) => ForkBranch;

/** What the losing forks are CANCELled with once one answered (RFC 3326; phones then log no missed call). */
export const COMPLETED_ELSEWHERE = 'SIP;cause=200;text="Call completed elsewhere"';

/**
 * The status a failed fork set answers with (RFC 3261 16.7 step 6, simplified): a 6xx, else the
 * lowest 4xx (486 Busy Here tells more than 480), else the lowest status that came.
 */
export const bestStatus = (statuses: readonly number[]): number => {
  const global = statuses.find((status) => status >= 600);
  if (global !== undefined) return global;
  const clientErrors = statuses.filter((status) => status >= 400 && status < 500);
  const pool = clientErrors.length > 0 ? clientErrors : statuses;
  return pool.length === 0 ? 487 : Math.min(...pool);
};

type ForkOutcome = 'pending' | 'answered' | 'failed';

interface Fork {
  branch: ForkBranch;
  outcome: ForkOutcome;
  /** The final refusal, when it failed with one. */
  status: number | null;
}

type ForkedState = 'ringing' | 'answered' | 'ended';

export class ForkedLeg implements OutboundLeg {
  readonly #listener: OutboundLegListener;
  readonly #branchFor: ForkBranchFactory;
  readonly #forks: Fork[];
  #state: ForkedState = 'ringing';
  #winner: Fork | null = null;
  #ringingReported = false;
  #earlyReported = false;
  /** The refusal has been told above (after a 6xx, every fork failing, or the CANCELs of end()). */
  #refusalReported = false;

  /** `targets[0]` is the contact the session dialled (the newest registration). */
  constructor(targets: readonly string[], branchFor: ForkBranchFactory, listener: OutboundLegListener) {
    this.#listener = listener;
    this.#branchFor = branchFor;
    this.#forks = targets.map((target) => this.#fork(target));
  }

  /** The contact that answered once one did (what it speaks decides its media), else the one dialled. */
  get target(): string {
    return (this.#winner ?? this.#forks[0])?.branch.target ?? '';
  }

  get ended(): boolean {
    return this.#state === 'ended';
  }

  /** Still ringing: no fork has answered and the leg has not ended (forks may still be added). */
  get ringing(): boolean {
    return this.#state === 'ringing';
  }

  /** Every contact rung so far, answered, failed or pending. */
  get targets(): string[] {
    return this.#forks.map((fork) => fork.branch.target);
  }

  start(): void {
    for (const fork of this.#forks) fork.branch.start();
  }

  /**
   * Late forking: rings `target` too while the leg is still ringing (the first 2xx still wins, the
   * others are CANCELled as usual). False, and nothing sent, once answered or ended, or when that
   * contact is rung already.
   */
  addFork(target: string): boolean {
    if (this.#state !== 'ringing' || this.targets.includes(target)) return false;
    const fork = this.#fork(target);
    this.#forks.push(fork);
    fork.branch.start();
    return true;
  }

  #fork(target: string): Fork {
    // The branch's listener is called only once the branch runs, after `fork` exists.
    const fork: Fork = { branch: this.#branchFor(target, this.#forkListener(() => fork)), outcome: 'pending', status: null };
    return fork;
  }

  end(): void {
    if (this.#state === 'ended') return;
    const winner = this.#winner;
    this.#state = 'ended';
    if (winner !== null) {
      winner.branch.end();
      return;
    }
    // A CANCEL from above (ring timeout, caller gone): every phone really missed the call, so no Reason.
    for (const fork of this.#forks) if (fork.outcome === 'pending') fork.branch.end();
    this.#reportRefusalWhenSettled();
  }

  reoffer(sdp: string): Promise<string> {
    const winner = this.#winner;
    if (this.#state !== 'answered' || winner === null) return Promise.reject(new ReofferRefused(481, 'the agent leg is not established'));
    return winner.branch.reoffer(sdp);
  }

  requestOffer(answer: (offer: string) => Promise<string>): Promise<void> {
    const winner = this.#winner;
    if (this.#state !== 'answered' || winner === null) return Promise.reject(new ReofferRefused(481, 'the agent leg is not established'));
    if (winner.branch.requestOffer === undefined) return Promise.reject(new ReofferRefused(501, 'this signalling cannot send a re-INVITE without SDP'));
    return winner.branch.requestOffer(answer);
  }

  #forkListener(forkOf: () => Fork): OutboundLegListener {
    const listener: OutboundLegListener = {
      ringing: () => {
        if (this.#state !== 'ringing' || this.#ringingReported) return;
        this.#ringingReported = true;
        this.#listener.ringing();
      },
      early: (sdp) => {
        if (this.#state !== 'ringing' || this.#earlyReported) return;
        this.#earlyReported = true;
        this.#listener.early?.(sdp);
      },
      answered: (sdp) => this.#answered(forkOf(), sdp),
      refused: (status) => this.#refused(forkOf(), status),
      ended: (why) => this.#forkEnded(forkOf(), why),
    };
    const { answerOffer } = this.#listener;
    if (answerOffer !== undefined) {
      // A late offer in a 2xx: answered only while no phone has taken the call (the session refuses a second one).
      listener.answerOffer = (offer) =>
        this.#state === 'ringing' ? answerOffer.call(this.#listener, offer, forkOf().branch.target) : Promise.reject(new ReofferRefused(488, 'another registration took the call'));
    }
    return Object.assign(listener, this.#inDialog(forkOf));
  }

  /** In-dialog requests count only from the winning fork (a losing one is being BYEd). */
  #inDialog(forkOf: () => Fork): InDialogListener {
    const upper = this.#listener;
    const isWinner = (): boolean => this.#state === 'answered' && this.#winner === forkOf();
    const { reoffered, dtmf, referred } = upper;
    const forwarded: InDialogListener = {};
    if (reoffered !== undefined) {
      forwarded.reoffered = (sdp) => (isWinner() ? reoffered.call(upper, sdp) : Promise.reject(new ReofferRefused(481, 'this registration did not take the call')));
    }
    if (dtmf !== undefined) {
      forwarded.dtmf = (digits) => {
        if (isWinner()) dtmf.call(upper, digits);
      };
    }
    if (referred !== undefined) {
      forwarded.referred = (referTo, progress) => (isWinner() ? referred.call(upper, referTo, progress) : Promise.reject(new ReferRefused(481, 'this registration did not take the call')));
    }
    return forwarded;
  }

  #answered(fork: Fork, sdp: string | null): void {
    if (this.#state !== 'ringing') {
      // A second 2xx (the branch has ACKed it): this phone lost the race, hang it up.
      fork.outcome = 'failed';
      fork.branch.end();
      this.#reportRefusalWhenSettled();
      return;
    }
    fork.outcome = 'answered';
    this.#winner = fork;
    this.#state = 'answered';
    this.#cancelPending(COMPLETED_ELSEWHERE);
    this.#listener.answered(sdp);
  }

  #refused(fork: Fork, status: number): void {
    if (fork.outcome !== 'pending') return;
    fork.outcome = 'failed';
    fork.status = status;
    if (this.#state !== 'ringing') {
      this.#reportRefusalWhenSettled();
      return;
    }
    if (status >= 600) {
      // "Decline everywhere": no other registration may take the call.
      this.#state = 'ended';
      this.#refusalReported = true;
      this.#cancelPending(`SIP;cause=${status}`);
      this.#listener.refused(status);
      return;
    }
    if (this.#forks.every((other) => other.outcome === 'failed')) {
      this.#state = 'ended';
      this.#refusalReported = true;
      this.#listener.refused(bestStatus(this.#statuses()));
    }
  }

  #forkEnded(fork: Fork, why: LegEnd): void {
    if (fork === this.#winner) {
      if (this.#state === 'ended') return;
      this.#state = 'ended';
      this.#listener.ended(why);
      return;
    }
    // A losing fork whose 2xx crossed our CANCEL: its branch has already ACKed and BYEd it.
    fork.outcome = 'failed';
    this.#reportRefusalWhenSettled();
  }

  #cancelPending(reason: string): void {
    for (const other of this.#forks) if (other.outcome === 'pending') other.branch.end(reason);
  }

  /** After end() from above while ringing: one refusal (487 from our CANCELs) once every fork is done, as a single leg reports. */
  #reportRefusalWhenSettled(): void {
    if (this.#state !== 'ended' || this.#winner !== null || this.#refusalReported) return;
    if (this.#forks.some((fork) => fork.outcome === 'pending')) return;
    this.#refusalReported = true;
    this.#listener.refused(bestStatus(this.#statuses()));
  }

  #statuses(): number[] {
    return this.#forks.flatMap((fork) => (fork.status === null ? [] : [fork.status]));
  }
}
