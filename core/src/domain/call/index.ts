export type * from './call-commands.ts';
export { callDecider, decideCall } from './call-decider.ts';
export { callStatus, evolveCall, hasEnded, initialCallState } from './call-state.ts';
export type { ActiveOffer, CallOutcome, CallState, CallStatus, OutboundDial, TransferInProgress } from './call-state.ts';
