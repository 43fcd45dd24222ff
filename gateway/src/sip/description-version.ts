/**
 * A description offered again as a new offer (a re-INVITE without SDP asks for ours): RFC 3264
 * section 8 wants the origin's version one higher than the last one the far end saw, even when
 * nothing else changed. Parsed and written with sdp-transform.
 */
import { createRequire } from 'node:module';

interface Session {
  origin?: { sessionVersion: number | string; [key: string]: unknown };
  [key: string]: unknown;
}
interface SdpTransform {
  parse(sdp: string): Session;
  write(session: Session): string;
}
const require = createRequire(import.meta.url);
const sdpTransform = require('sdp-transform') as SdpTransform;

/** `sdp` with its o= session version incremented (a description without an origin is returned as it is). */
export const withNextVersion = (sdp: string): string => {
  const session = sdpTransform.parse(sdp);
  if (session.origin === undefined) return sdp;
  // Versions are 64-bit in principle: BigInt keeps a large one exact.
  session.origin.sessionVersion = (BigInt(String(session.origin.sessionVersion)) + 1n).toString();
  return sdpTransform.write(session);
};
