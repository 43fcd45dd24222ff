/**
 * The read models as the API runs them: the ReadSide contract (projections/src/read-model-contract.ts)
 * plus the lifecycle that `ReadModels` in @cc/projections provides.
 */
import type { EventStore } from '@cc/core';
import { ReadModels, type ReadSide } from '@cc/projections';

export type * from '@cc/projections';

export interface RunningReadSide extends ReadSide {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves once the read models include every event up to and including `position`. */
  whenCaughtUpTo(position: bigint): Promise<void>;
}

export const openReadModels = (options: { file: string; store: EventStore }): RunningReadSide => ReadModels.open({ file: options.file, store: options.store });
