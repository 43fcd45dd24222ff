/** The core's public surface: events, deciders, the store port and adapters, the router and the runtime. */
export * from './events/index.ts';
export * from './eventstore/port.ts';
export { upcast, currentSchemaVersion, type Upcaster, type UpcasterRegistry } from './events/upcasting.ts';
export { DomainError, isDomainError, DOMAIN_ERROR_CODES, type DomainErrorCode } from './domain/errors.ts';
export type { CommandOf, Decider } from './domain/decider.ts';
export { agentDecider, type AgentCommand, type AgentState } from './domain/agent/index.ts';
export { callDecider, type CallCommand, type CallState, type CallStatus, type CallOutcome, type QueueSnapshot } from './domain/call/index.ts';
export { organisationDecider, type OrganisationCommand, type OrganisationState } from './domain/organisation/index.ts';
export { queueDecider, isQueueOpen, defaultQueueSettings, type QueueCommand, type QueueState } from './domain/queue/index.ts';
export { RoutingIndex } from './router/routing-index.ts';
export type { Assignment, AgentView, CallView, QueueView } from './router/routing-types.ts';
export { ContactCenter, type ContactCenterOptions, type PickUpRefusal, type PlaceOutboundCallInput, type ReceiveCallInput } from './runtime/contact-center.ts';
export type { CommandContext } from './runtime/command-context.ts';
export { systemClock, WallClockTimerScheduler, type Clock, type TimerScheduler } from './runtime/clock.ts';
export { SimulatedClock, SimulatedTimerScheduler } from './runtime/simulated-time.ts';
export { Prng, seededRandom } from './simulator/prng.ts';
export { jsonLogger, silentLogger, type CoreLogger } from './runtime/core-logger.ts';
