/**
 * Whether the live feeds are connected. Each subscription reports itself, and so does the softphone's
 * SIP WebSocket to the edge (PHONE_FEED); the banner shows when one has been down for a moment (a
 * reconnect that succeeds at once does not flash it) and says which side is down.
 */
const GRACE_MS = 1500;
/** The softphone's SIP connection: down means calls cannot ring in this browser. */
export const PHONE_FEED = 'sip-edge';

const down = $state<Record<string, number>>({});
let tick = $state(0);

const lostFeeds = (): string[] => {
  void tick;
  return Object.entries(down)
    .filter(([, since]) => Date.now() - since >= GRACE_MS)
    .map(([feed]) => feed);
};

export const connection = {
  report(feed: string, connected: boolean): void {
    if (connected) delete down[feed];
    else if (down[feed] === undefined) {
      down[feed] = Date.now();
      // Re-evaluate once the grace period has passed.
      setTimeout(() => (tick += 1), GRACE_MS + 100);
    }
  },
  forget(feed: string): void {
    delete down[feed];
  },
  /** Any feed is down. */
  get lost(): boolean {
    return lostFeeds().length > 0;
  },
  /** A GraphQL subscription (the API) is down: live updates are paused. */
  get apiLost(): boolean {
    return lostFeeds().some((feed) => feed !== PHONE_FEED);
  },
  /** The softphone's SIP connection to the edge is down (or not registered again yet). */
  get phoneLost(): boolean {
    return lostFeeds().includes(PHONE_FEED);
  },
};
