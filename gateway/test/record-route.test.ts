/**
 * Record-Route / Route sets in dialogs (RFC 3261 12.1, 12.2): a sipp caller and a sipp agent phone
 * each sit behind two record-routing proxies, the nearest of which is this test's UDP socket (a
 * loose router: it keeps what arrives and relays requests to their Request-URI). The gateway's 180
 * and 200 copy the caller's Record-Route; its ACK to the phone's 2xx and its BYEs carry the route
 * sets in the right order (as received for the caller, reversed for the phone) and go to the proxy,
 * not straight to the peers.
 */
import dgram from 'node:dgram';
import { streamEntityId } from '@cc/core';
import { afterEach, describe, expect, test } from 'vitest';
import { parseMessage, type SipRequest } from '../src/sip/message.ts';
import { eventually, externalAgent, onlyCall, phoneUri, type Platform, QUEUE_NUMBER, startPlatform, types } from './support/platform.ts';
import { killAllSipp, sipp } from './support/sipp.ts';

/** The loose-routing proxy nearest the gateway: every request it gets is kept and relayed to its Request-URI's address. */
class RecordingProxy {
  readonly socket = dgram.createSocket('udp4');
  readonly requests: SipRequest[] = [];

  async open(): Promise<number> {
    await new Promise<void>((resolve) => this.socket.bind(0, '127.0.0.1', () => resolve()));
    this.socket.on('message', (packet) => {
      const outcome = parseMessage(packet.toString('utf8'));
      if (outcome.kind !== 'message' || outcome.message.kind !== 'request') return;
      const request = outcome.message;
      this.requests.push(request);
      const next = /^sip:[^@]*@?([\d.]+):(\d+)/.exec(request.uri);
      if (next?.[1] !== undefined && next[2] !== undefined) this.socket.send(packet, Number(next[2]), next[1]);
    });
    return this.socket.address().port;
  }

  received(method: string, callId: string): SipRequest | undefined {
    return this.requests.find((request) => request.method === method && request.callId === callId);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

/** The Route header values of a request, in order. */
const routesOf = (request: SipRequest | undefined): string[] => (request?.headers.route ?? '').split(/,\s*(?=<)/).filter((value) => value !== '');

let platform: Platform | null = null;
let proxy: RecordingProxy | null = null;

afterEach(async () => {
  await killAllSipp();
  await platform?.stop();
  platform = null;
  await proxy?.close();
  proxy = null;
});

describe('route sets of the dialogs on both sides of a call', () => {
  test('caller (UAS side: Record-Route as received) and agent phone (UAC side: reversed): ACK and BYEs go through the proxy with their Route headers', { timeout: 60_000 }, async () => {
    proxy = new RecordingProxy();
    const proxyPort = await proxy.open();
    platform = await startPlatform({ trustedPeers: ['127.0.0.0/8'] });
    const { cc, gateway } = platform;
    const fill = { PROXY_PORT: String(proxyPort) };
    const phone = await sipp({ scenario: 'agent-answers-record-routed.xml', transport: 'udp', agent: 'e1', fill });
    await externalAgent(cc, 'e1', phoneUri('e1', phone.port, 'udp'));
    const caller = await sipp({ scenario: 'caller-record-routed.xml', transport: 'udp', remotePort: gateway.udpPort, service: QUEUE_NUMBER, fill });

    await eventually(async () => expect(types(await onlyCall(cc))).toContain('CallAnswered'), 20_000);
    const callId = streamEntityId((await onlyCall(cc))[0]?.streamId ?? '');
    const gatewayProxy = `<sip:127.0.0.1:${proxyPort};lr>`;

    // The phone's dialog: the 2xx's Record-Route reversed, the ACK addressed to the phone's Contact.
    const ack = await eventually(() => {
      const found = proxy?.requests.find((request) => request.method === 'ACK');
      expect(found).toBeDefined();
      return found as SipRequest;
    });
    expect(ack.uri).toBe(`sip:e1@127.0.0.1:${phone.port};transport=UDP`);
    expect(routesOf(ack)).toEqual([gatewayProxy, '<sip:edge2.example.invalid;lr>']);
    expect(ack.cseq).toEqual({ seq: 1, method: 'ACK' });

    await cc.hangUp(callId, 'agent', 'e1', 'agent hung up', { organisationId: 'org-gw', actor: { kind: 'user', userId: 'e1' } });
    expect(await caller.exit, caller.errors()).toBe(0);
    expect(await phone.exit, phone.errors()).toBe(0);

    const byes = proxy.requests.filter((request) => request.method === 'BYE');
    expect(byes).toHaveLength(2);
    const toPhone = byes.find((bye) => bye.callId === ack.callId);
    const toCaller = byes.find((bye) => bye.callId !== ack.callId);
    expect(toPhone?.uri).toBe(`sip:e1@127.0.0.1:${phone.port};transport=UDP`);
    expect(routesOf(toPhone)).toEqual([gatewayProxy, '<sip:edge2.example.invalid;lr>']);
    // The caller's dialog: its INVITE's Record-Route in the same order, BYE addressed to its Contact.
    expect(toCaller?.uri).toBe(`sip:+3225550100@127.0.0.1:${caller.port};transport=UDP`);
    expect(routesOf(toCaller)).toEqual([gatewayProxy, '<sip:edge2.example.invalid;lr;ftag=c4ll3r>']);
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0 }));
  });
});
