/**
 * What the drachtio adapter reads from a caller's INVITE, on drachtio-srf's own Request and SIP
 * parser (lib/request.js, lib/sip-parser/message.js) fed wire text, so the header lookups are
 * drachtio's, not a fake's: the Call-ID, X-CC-Visitor-Contact and X-CC-Customer-Id in whatever case
 * they were sent, and the display name unquoted the way the embedded edge does it.
 */
import { createRequire } from 'node:module';
import { describe, expect, test } from 'vitest';
import { silentLogger } from '@cc/core';
import { DrachtioSignalling } from '../src/drachtio/drachtio-signalling.ts';
import type { SrfRequest } from '../src/drachtio/srf-types.ts';
import type { InboundCall } from '../src/signalling/signalling-port.ts';
import { fakeResponse, fakeSrf } from './support/drachtio-fakes.ts';

const require = createRequire(import.meta.url);
// drachtio-srf's CommonJS internals, typed by what the test uses.
const Request = require('drachtio-srf/lib/request') as new (message: unknown, meta: Record<string, string>) => SrfRequest;
const SipMessage = require('drachtio-srf/lib/sip-parser/message') as new (raw: string) => unknown;

/** An INVITE as drachtio-server hands it to drachtio-srf (`protocol` as the server names the transport). */
const invite = (headerLines: string[], protocol = 'wss', requestUri = 'sip:support@cc.test'): SrfRequest => {
  const raw = [`INVITE ${requestUri} SIP/2.0`, 'Via: SIP/2.0/WSS abc.invalid;branch=z9hG4bK776', 'To: <sip:support@cc.test>', 'CSeq: 1 INVITE', ...headerLines, 'Content-Length: 0', '', ''].join('\r\n');
  return new Request(new SipMessage(raw), { source: 'network', address: '198.51.100.7', port: '50433', protocol });
};

const arriving = (request: SrfRequest): InboundCall => {
  const { srf, handlers } = fakeSrf();
  const port = new DrachtioSignalling({ srf, logger: silentLogger });
  let call: InboundCall | null = null;
  port.onIncomingCall((incoming) => {
    call = incoming;
    return { ended: () => undefined };
  });
  handlers.invite?.(request, fakeResponse());
  if (call === null) throw new Error('no call');
  return call;
};

describe("DrachtioSignalling: a caller's INVITE through drachtio-srf's parser", () => {
  test('the Call-ID (drachtio-srf requests have no callId property), also in compact form', () => {
    expect(arriving(invite(['From: <sip:visitor@abc.invalid>;tag=1', 'Call-ID: a84b4c76e66710'])).id).toBe('a84b4c76e66710');
    expect(arriving(invite(['f: <sip:visitor@abc.invalid>;tag=1', 'i: compact-77'])).id).toBe('compact-77');
  });

  test('X-CC-Visitor-Contact and X-CC-Customer-Id in any case; a website visitor comes over ws', () => {
    const lower = arriving(invite(['From: "Ada" <sip:visitor@abc.invalid>;tag=1', 'Call-ID: c1', 'x-cc-visitor-contact: +32 2 555 77 88', 'x-cc-customer-id: cust-9']));
    expect(lower).toMatchObject({ visitorContact: '+32 2 555 77 88', customerId: 'cust-9', source: { address: '198.51.100.7', port: 50433, transport: 'ws' } });
    const mixed = arriving(invite(['From: <sip:a1@cc.test>;tag=1', 'Call-ID: c2', 'X-Cc-Visitor-Contact: ada@example.org', 'X-CC-CUSTOMER-ID: cust-10'], 'udp'));
    expect(mixed).toMatchObject({ visitorContact: 'ada@example.org', customerId: 'cust-10', source: { transport: 'udp' } });
    const none = arriving(invite(['From: <sip:a1@cc.test>;tag=1', 'Call-ID: c3']));
    expect(none).toMatchObject({ visitorContact: null, customerId: null, proxyAuthorization: null });
  });

  test('the display name as the edge reads it: quotes and escapes removed, an empty one is none, a bare token kept', () => {
    expect(arriving(invite(['From: "Ada \\"The Countess\\" Lovelace" <sip:visitor@abc.invalid>;tag=1', 'Call-ID: d1'])).callerDisplayName).toBe('Ada "The Countess" Lovelace');
    expect(arriving(invite(['From: "" <sip:visitor@abc.invalid>;tag=1', 'Call-ID: d2'])).callerDisplayName).toBeNull();
    expect(arriving(invite(['From: Grace <sip:visitor@abc.invalid>;tag=1', 'Call-ID: d3'])).callerDisplayName).toBe('Grace');
  });

  test('a Request-URI with a bad escape does not throw in the INVITE handler: the user part is kept as sent', () => {
    const call = arriving(invite(['From: <sip:%41da@abc.invalid>;tag=1', 'Call-ID: e1'], 'wss', 'sip:%zz@cc.test'));
    expect(call.dialled).toBe('%zz');
    expect(call.callerUser).toBe('Ada');
  });
});
