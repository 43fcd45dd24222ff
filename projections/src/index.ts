/** The read side: read models built from the event log, their queries and the metric definitions. */
export type * from './read-model-contract.ts';
export { ReadModels, ALL_PROJECTIONS, type ReadModelsOptions } from './read-models.ts';
export type { Projection, ProjectedEvent } from './framework/projection.ts';
export { figuresFrom, type CallSums, type TimeSums } from './metrics/definitions.ts';
export { maskCallerName } from './queries/masking.ts';
