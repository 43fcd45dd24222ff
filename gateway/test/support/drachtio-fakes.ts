/**
 * Fake drachtio-srf objects (srf, req, res, dialog, a 3PCC answer) for the drachtio adapter's unit
 * tests, shaped after drachtio-srf 5.x: drachtio-server cannot run here, so the tests check what the
 * adapter asks drachtio to do and what it reports back.
 */
import { EventEmitter } from 'node:events';
import { vi } from 'vitest';
import type { SrfDialog, SrfLike, SrfRequest, SrfResponse, SrfUacOptions, SrfUnackedAnswer } from '../../src/drachtio/srf-types.ts';

export class FakeDialog extends EventEmitter {
  sip = { callId: 'dialog-call' };
  remote = { sdp: '' };
  local = { sdp: '' };
  destroy = vi.fn(async (_options?: { headers?: Record<string, string> }): Promise<unknown> => undefined);
  modify = vi.fn(async (_sdp: string): Promise<string | undefined> => 'v=0\r\no=answer\r\n');
  request = vi.fn(async (_options: { method: string; headers?: Record<string, string>; body?: string }): Promise<unknown> => undefined);
}

export const asDialog = (dialog: FakeDialog): SrfDialog => dialog as unknown as SrfDialog;

/**
 * A request as drachtio-srf hands it over. `headers` are looked up as drachtio-srf's SipMessage
 * does: X- headers keep the case they were sent in, and get() matches the name in any case.
 */
export const fakeRequest = (overrides: Partial<SrfRequest> = {}, headers: Record<string, string> = {}): SrfRequest & EventEmitter => {
  const emitter = new EventEmitter() as SrfRequest & EventEmitter;
  const sent: Record<string, string> = { 'Call-ID': 'call-1', ...headers };
  Object.assign(emitter, {
    uri: 'sip:+3225551234@10.0.0.1',
    body: 'v=0\r\no=caller\r\nm=audio 4000 RTP/AVP 0\r\n',
    source_address: '127.0.0.1',
    source_port: 5062,
    protocol: 'udp',
    get: (name: string) => Object.entries(sent).find(([sent]) => sent.toLowerCase() === name.toLowerCase())?.[1],
    getParsedHeader: () => ({ name: '"Grace Hopper"', uri: 'sip:+3225550100@127.0.0.1' }),
    cancel: vi.fn(),
    ...overrides,
  });
  return emitter;
};

export type FakeResponse = SrfResponse & { sent: Array<[number, unknown]> };

export const fakeResponse = (): FakeResponse => {
  const sent: Array<[number, unknown]> = [];
  return { sent, send: (status: number, options?: unknown) => void sent.push([status, options]) } as FakeResponse;
};

type UacProgress = Parameters<SrfLike['createUAC']>[2];

/** One createUAC call: what was asked, and how to make drachtio answer it. */
export interface FakeUac {
  uri: string;
  options: SrfUacOptions;
  progress: UacProgress;
  /** The INVITE drachtio says it sent (cbRequest), with cancel() to check. */
  request: SrfRequest & EventEmitter;
  sent(): void;
  provisional(status: number, body?: string): void;
  answer(result: SrfDialog | SrfUnackedAnswer): void;
  refuse(status: number): void;
}

/** A 200 with the far end's offer to a late-offer INVITE (createUAC with noAck): ack() resolves with `dialog`. */
export const fakeUnackedAnswer = (sdp: string, dialog: FakeDialog) => {
  const unacked = {
    sdp,
    ack: vi.fn(async (localSdp: string): Promise<SrfDialog> => {
      dialog.local.sdp = localSdp;
      return asDialog(dialog);
    }),
    destroy: vi.fn(async (): Promise<void> => undefined),
  };
  return unacked satisfies SrfUnackedAnswer;
};

export const fakeSrf = () => {
  const handlers: { invite?: (req: SrfRequest, res: SrfResponse) => void; register?: (req: SrfRequest, res: SrfResponse) => void } = {};
  const uas = new FakeDialog();
  const uacs: FakeUac[] = [];
  const srf = {
    connect: vi.fn(),
    disconnect: vi.fn(),
    on: vi.fn(),
    invite: (handler: (req: SrfRequest, res: SrfResponse) => void) => void (handlers.invite = handler),
    register: (handler: (req: SrfRequest, res: SrfResponse) => void) => void (handlers.register = handler),
    // As dialog.js: a UAS dialog's local SDP is the body of the 200 it sent, its remote SDP the INVITE's.
    createUAS: vi.fn(async (req: SrfRequest, _res: SrfResponse, options: { localSdp: string }) => {
      uas.local.sdp = options.localSdp;
      uas.remote.sdp = req.body;
      return asDialog(uas);
    }),
    createUAC: vi.fn(
      (uri: string, options: SrfUacOptions, progress?: UacProgress) =>
        new Promise<SrfDialog | SrfUnackedAnswer>((resolve, reject) => {
          const request = fakeRequest({ uri, body: options.localSdp ?? '' });
          uacs.push({
            uri,
            options,
            progress,
            request,
            sent: () => progress?.cbRequest?.(null, request),
            provisional: (status, body = '') => progress?.cbProvisional?.({ status, body, send: vi.fn() } as SrfResponse),
            answer: resolve,
            refuse: (status) => reject(Object.assign(new Error(`SIP ${status}`), { status })),
          });
        }),
    ),
  };
  /** The latest createUAC. */
  const uac = (): FakeUac | undefined => uacs.at(-1);
  return { srf: srf as unknown as SrfLike & typeof srf, handlers, uas, uacs, uac };
};

export const flush = () => new Promise((resolve) => setImmediate(resolve));
