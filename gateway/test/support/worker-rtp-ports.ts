/**
 * Vitest setup (every test file): the embedded rtpengine of this worker's tests gets an RTP port
 * range of its own. With one shared range, a daemon of a parallel test file could open a port another
 * file's RTP sender was still aiming at, learn that stray sender as its caller (rtpengine follows
 * where media comes from) and play ringback there instead: the caller heard nothing.
 */
const SLICE = 1000;
const FIRST_PORT = 16384;
// Slices up to 32383: still below Linux's ephemeral ports, which the test peers' sockets get.
const SLICES = 16;

/** This worker's slice (VITEST_POOL_ID counts workers from 1). */
export const workerRtpPorts = (): { portMin: number; portMax: number } => {
  const worker = Number.parseInt(process.env.VITEST_POOL_ID ?? '1', 10);
  const index = (Number.isInteger(worker) && worker > 0 ? worker - 1 : 0) % SLICES;
  const portMin = FIRST_PORT + index * SLICE;
  return { portMin, portMax: portMin + SLICE - 1 };
};

if (process.env.RTPENGINE_PORTS === undefined) {
  const { portMin, portMax } = workerRtpPorts();
  process.env.RTPENGINE_PORTS = `${portMin}-${portMax}`;
}
