import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/test/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Each worker's embedded rtpengine gets RTP ports of its own (see the file).
    setupFiles: ['gateway/test/support/worker-rtp-ports.ts'],
    // expect.poll gives up after 1 s by default: too short for a browser or a live feed on a busy CI machine.
    expect: { poll: { timeout: 15_000 } },
  },
});
