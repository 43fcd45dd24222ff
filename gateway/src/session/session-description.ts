/** SDP checks with sdp-transform: the edge relays descriptions untouched, but only ones that describe media. */
import { createRequire } from 'node:module';

interface SdpTransform {
  parse(sdp: string): { media?: Array<{ type: string; port: number }> };
}

const require = createRequire(import.meta.url);
const sdpTransform = require('sdp-transform') as SdpTransform;

/** True when the text is a session description with at least one audio or video stream. */
export const describesMedia = (sdp: string | null): boolean => {
  if (sdp === null || sdp.trim() === '') return false;
  try {
    const parsed = sdpTransform.parse(sdp);
    return (parsed.media ?? []).some((media) => media.type === 'audio' || media.type === 'video');
  } catch {
    return false;
  }
};

interface ParsedDirection {
  direction?: string;
  iceUfrag?: string;
  connection?: { ip: string };
  media?: Array<{ type: string; direction?: string; iceUfrag?: string; connection?: { ip: string }; port: number }>;
}

/**
 * True when an offer puts the other side on hold: every audio/video stream it sends is
 * a=sendonly or a=inactive (RFC 3264 section 8.4), or uses the old c=0.0.0.0 form (RFC 2543).
 * WebRTC offers always say c=IN IP4 0.0.0.0 (ICE carries the addresses), so with ICE only the
 * direction counts.
 */
export const isHoldOffer = (sdp: string): boolean => {
  let parsed: ParsedDirection;
  try {
    parsed = sdpTransform.parse(sdp) as ParsedDirection;
  } catch {
    return false;
  }
  const streams = (parsed.media ?? []).filter((media) => (media.type === 'audio' || media.type === 'video') && media.port !== 0);
  if (streams.length === 0) return false;
  return streams.every((media) => {
    const direction = media.direction ?? parsed.direction ?? 'sendrecv';
    const ip = media.connection?.ip ?? parsed.connection?.ip;
    const ice = (media.iceUfrag ?? parsed.iceUfrag) !== undefined;
    return direction === 'sendonly' || direction === 'inactive' || (!ice && ip === '0.0.0.0');
  });
};
