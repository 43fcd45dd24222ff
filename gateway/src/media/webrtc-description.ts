/**
 * A browser's description as rtpengine should read it. WebRTC descriptions often say
 * `c=IN IP4 0.0.0.0` (ICE carries the addresses), which rtpengine takes for the old RFC 2543 hold
 * and then mirrors to the SIP party as a hold of its own. With ICE only the direction attributes
 * mean hold, so the zero address is replaced by the stream's first IPv4 host candidate (or the
 * loopback address when there is none: the address is never used for media, ICE picks the path).
 */
import { createRequire } from 'node:module';

interface Candidate {
  component: number;
  transport: string;
  ip: string;
  type: string;
}
interface Media {
  connection?: { version: number; ip: string };
  candidates?: Candidate[];
  iceUfrag?: string;
  port?: number;
  mid?: string | number;
}
interface Session {
  connection?: { version: number; ip: string };
  iceUfrag?: string;
  groups?: Array<{ type: string; mids: string }>;
  media?: Media[];
}
interface SdpTransform {
  parse(sdp: string): Session;
  write(session: Session): string;
}

const require = createRequire(import.meta.url);
const sdpTransform = require('sdp-transform') as SdpTransform;

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const ZERO = '0.0.0.0';

const hostAddress = (media: Media): string =>
  media.candidates?.find((candidate) => candidate.component === 1 && candidate.transport.toLowerCase() === 'udp' && IPV4.test(candidate.ip) && candidate.ip !== ZERO)?.ip ?? '127.0.0.1';

/** The description with zero connection addresses of ICE streams replaced; other descriptions untouched. */
export const withoutZeroConnection = (sdp: string): string => {
  let session: Session;
  try {
    session = sdpTransform.parse(sdp);
  } catch {
    return sdp;
  }
  const medias = session.media ?? [];
  const ice = (media: Media): boolean => (media.iceUfrag ?? session.iceUfrag) !== undefined;
  const zeroAt = (media: Media): boolean => (media.connection ?? session.connection)?.ip === ZERO;
  if (!medias.some((media) => ice(media) && zeroAt(media))) return sdp;
  for (const media of medias) {
    if (!ice(media) || !zeroAt(media)) continue;
    media.connection = { version: 4, ip: hostAddress(media) };
  }
  if (session.connection?.ip === ZERO && medias.every((media) => media.connection !== undefined)) delete session.connection;
  return sdpTransform.write(session);
};

/**
 * The description with a BUNDLE group of its one stream when it has none. rtpengine 10 leaves the
 * group out of what it writes, and a browser whose session is bundled already (it started browser
 * to browser, say) refuses an offer or answer without it ("cannot remove m= section with mid='0'
 * from already-established BUNDLE group"). One stream only: rtpengine gives each stream ports of
 * its own, so grouping several would put them on one transport it does not have.
 */
export const withBundleGroup = (sdp: string): string => {
  const session = sdpTransform.parse(sdp);
  const [stream, ...others] = session.media ?? [];
  if (stream === undefined || others.length > 0 || stream.port === 0 || stream.mid === undefined) return sdp;
  if ((session.groups ?? []).some((group) => group.type === 'BUNDLE')) return sdp;
  session.groups = [...(session.groups ?? []), { type: 'BUNDLE', mids: String(stream.mid) }];
  return sdpTransform.write(session);
};
