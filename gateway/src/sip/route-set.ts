/**
 * A dialog's route set (RFC 3261 12.1.1, 12.1.2, 12.2.1.1): the proxies that Record-Routed the
 * request creating the dialog, which every later request in the dialog (ACK for a 2xx, BYE,
 * re-INVITE, INFO, NOTIFY) must go through. As UAS the set is the INVITE's Record-Route as
 * received; as UAC it is the 2xx's Record-Route reversed. A loose router (`;lr`) keeps the remote
 * target as Request-URI and gets every route as Route; a strict router (RFC 2543) becomes the
 * Request-URI itself, and the remote target goes last in the Route header.
 */
import { type OutgoingHeaders, parseContacts, parseUri } from './message.ts';

interface RouteEntry {
  uri: string;
  /** The whole name-addr with its header parameters, as a Route value. */
  value: string;
}

/** Where an in-dialog request goes: its Request-URI, its Route headers, and the URI whose address is the next hop. */
export interface RoutedRequest {
  uri: string;
  route: OutgoingHeaders;
  nextHop: string;
}

const entriesOf = (recordRoute: string | undefined): RouteEntry[] =>
  parseContacts(recordRoute).map((entry) => {
    const params = Object.entries(entry.params)
      .map(([name, value]) => (value === undefined || value === null ? `;${name}` : `;${name}=${value}`))
      .join('');
    return { uri: entry.uri, value: `<${entry.uri}>${params}` };
  });

const isLoose = (uri: string): boolean => parseUri(uri)?.params?.lr !== undefined;

export class RouteSet {
  readonly #entries: RouteEntry[];
  /** The Record-Route value as received (a UAS copies it into its dialog-creating responses). */
  readonly #recordRoute: string | null;

  private constructor(entries: RouteEntry[], recordRoute: string | null) {
    this.#entries = entries;
    this.#recordRoute = recordRoute;
  }

  /** The route set of a dialog we answer: the request's Record-Route, in order. */
  static ofRequest(headers: Record<string, string>): RouteSet {
    const raw = headers['record-route'];
    return new RouteSet(entriesOf(raw), raw === undefined || raw.trim() === '' ? null : raw);
  }

  /** The route set of a dialog we placed: the 2xx's Record-Route, reversed. */
  static ofResponse(headers: Record<string, string>): RouteSet {
    return new RouteSet(entriesOf(headers['record-route']).reverse(), null);
  }

  static readonly none = new RouteSet([], null);

  get empty(): boolean {
    return this.#entries.length === 0;
  }

  /** The Record-Route header for our 18x/2xx to the request that created the dialog (RFC 3261 12.1.1): the same values, in the same order. */
  get recordRoute(): OutgoingHeaders {
    return this.#recordRoute === null ? [] : [['Record-Route', this.#recordRoute]];
  }

  /** Request-URI, Route headers and next hop of a request to `remoteTarget` inside the dialog. */
  request(remoteTarget: string): RoutedRequest {
    const [first, ...rest] = this.#entries;
    if (first === undefined) return { uri: remoteTarget, route: [], nextHop: remoteTarget };
    if (isLoose(first.uri)) return { uri: remoteTarget, route: this.#entries.map((entry): [string, string] => ['Route', entry.value]), nextHop: first.uri };
    // A strict router expects to find itself in the Request-URI.
    return { uri: first.uri, route: [...rest.map((entry): [string, string] => ['Route', entry.value]), ['Route', `<${remoteTarget}>`]], nextHop: first.uri };
  }
}
