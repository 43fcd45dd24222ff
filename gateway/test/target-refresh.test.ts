/**
 * Target refresh (RFC 3261 12.2.2): a caller's re-INVITE with a new Contact moves the dialog's
 * remote target, so the gateway's BYE goes to that Contact (this test's UDP socket), not to the
 * address the call came from. Real peers: sipp as the caller, a WebSocket browser as the agent.
 */
import dgram from 'node:dgram';
import { afterEach, describe, expect, test } from 'vitest';
import { parseMessage, responseHeaders, type SipRequest, serialiseResponse } from '../src/sip/message.ts';
import { eventually, onlyCall, ORG, type Platform, QUEUE_NUMBER, startPlatform, types, webrtcAgent } from './support/platform.ts';
import { killAllSipp, sipp } from './support/sipp.ts';
import { WsAgent } from './support/ws-agent.ts';

/** Where the caller says it moved: keeps every request and answers each 200. */
class MovedCaller {
  readonly socket = dgram.createSocket('udp4');
  readonly requests: SipRequest[] = [];

  async open(): Promise<number> {
    await new Promise<void>((resolve) => this.socket.bind(0, '127.0.0.1', () => resolve()));
    this.socket.on('message', (packet, from) => {
      const outcome = parseMessage(packet.toString('utf8'));
      if (outcome.kind !== 'message' || outcome.message.kind !== 'request') return;
      this.requests.push(outcome.message);
      const reply = serialiseResponse(200, 'OK', responseHeaders(outcome.message.headers, null, outcome.message.to.params.tag));
      this.socket.send(reply, from.port, from.address);
    });
    return this.socket.address().port;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

let platform: Platform | null = null;
let moved: MovedCaller | null = null;
const browsers: WsAgent[] = [];

afterEach(async () => {
  await killAllSipp();
  for (const browser of browsers.splice(0)) await browser.close();
  await platform?.stop();
  platform = null;
  await moved?.close();
  moved = null;
});

describe('target refresh', () => {
  test("the caller's re-INVITE with a new Contact: the gateway's BYE goes to that Contact", { timeout: 60_000 }, async () => {
    moved = new MovedCaller();
    const movedPort = await moved.open();
    platform = await startPlatform();
    const { cc, gateway } = platform;
    await webrtcAgent(cc, 'w1');
    const browser = await WsAgent.connect(platform.wsUrl, 'browser-w1');
    browsers.push(browser);
    expect((await browser.register(platform.credentials.issue({ sessionId: 'session-w1', agentId: 'w1', organisationId: ORG }))).status).toBe(200);

    const caller = await sipp({ scenario: 'caller-moves-contact.xml', transport: 'udp', remotePort: gateway.udpPort, service: QUEUE_NUMBER, fill: { MOVED_PORT: String(movedPort) } });
    expect(await caller.exit, caller.errors()).toBe(0);
    const log = await eventually(async () => {
      const events = await onlyCall(cc);
      expect(types(events)).toContain('CallAnswered');
      return events;
    });
    const callId = log[0]?.streamId.replace(/^call-/, '') ?? '';
    await cc.hangUp(callId, 'agent', 'w1', 'agent hung up', { organisationId: ORG, actor: { kind: 'user', userId: 'w1' } });

    const bye = await eventually(() => {
      const found = moved?.requests.find((request) => request.method === 'BYE');
      expect(found).toBeDefined();
      return found as SipRequest;
    });
    expect(bye.uri).toBe(`sip:moved-caller@127.0.0.1:${movedPort};transport=udp`);
    expect(bye.cseq.method).toBe('BYE');
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0 }));
  });
});
