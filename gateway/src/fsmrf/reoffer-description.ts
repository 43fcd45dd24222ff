/**
 * Re-offers (hold, resume) through FreeSWITCH: the side that re-offers gets FreeSWITCH's answer on
 * its own channel, and the other side needs no new media, only the news. It is re-offered
 * FreeSWITCH's current description of its channel with the re-offer's direction (a held party
 * learns it is held, as with rtpengine) and the origin's version bumped (RFC 3264 8: a changed offer).
 */
import { createRequire } from 'node:module';

type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

interface Media {
  type: string;
  direction?: Direction;
  [key: string]: unknown;
}
interface Session {
  origin?: { sessionVersion: number | string; [key: string]: unknown };
  direction?: Direction;
  media: Media[];
  [key: string]: unknown;
}
interface SdpTransform {
  parse(sdp: string): Session;
  write(session: Session): string;
}
const require = createRequire(import.meta.url);
const sdpTransform = require('sdp-transform') as SdpTransform;

/** The audio direction a description asks for (media level, else session level, else sendrecv). */
export const audioDirectionOf = (sdp: string): Direction => {
  const session = sdpTransform.parse(sdp);
  const audio = session.media.find((media) => media.type === 'audio');
  return audio?.direction ?? session.direction ?? 'sendrecv';
};

const versionOf = (session: Session): number => Number(session.origin?.sessionVersion ?? 0);

/**
 * FreeSWITCH's current description of the other side's channel, re-offered with `offer`'s
 * direction. `last` is what that party was re-offered before, if anything: the version goes on
 * from whichever of the two that party saw last.
 */
export const reofferTowardsOther = (current: string, offer: string, last: string | null): string => {
  const direction = audioDirectionOf(offer);
  const now = sdpTransform.parse(current);
  const before = last === null ? null : sdpTransform.parse(last);
  const session = before !== null && versionOf(before) > versionOf(now) ? before : now;
  delete session.direction;
  for (const media of session.media) if (media.type === 'audio') media.direction = direction;
  if (session.origin !== undefined) session.origin.sessionVersion = versionOf(session) + 1;
  return sdpTransform.write(session);
};
