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
