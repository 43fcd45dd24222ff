/**
 * Whether the live feeds are connected. Each subscription reports itself; the banner shows when one
 * has been down for a moment (a reconnect that succeeds at once does not flash it).
 */
const down = $state<Record<string, number>>({});
let tick = $state(0);

export const connection = {
  report(feed: string, connected: boolean): void {
    if (connected) delete down[feed];
    else if (down[feed] === undefined) {
      down[feed] = Date.now();
      // Re-evaluate once the grace period has passed.
      setTimeout(() => (tick += 1), 1600);
    }
  },
  forget(feed: string): void {
    delete down[feed];
  },
  get lost(): boolean {
    void tick;
    return Object.values(down).some((since) => Date.now() - since >= 1500);
  },
};
