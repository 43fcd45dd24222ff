/**
 * The read models as the API runs them: the ReadSide contract (projections/src/read-model-contract.ts)
 * plus the lifecycle that `ReadModels.open({ file, store })` in @cc/projections provides.
 */
import { existsSync } from 'node:fs';
import type { EventStore } from '@cc/core';
import type { ReadSide } from '../../projections/src/read-model-contract.ts';

export type * from '../../projections/src/read-model-contract.ts';

export interface RunningReadSide extends ReadSide {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves once the read models include every event up to and including `position`. */
  whenCaughtUpTo(position: bigint): Promise<void>;
}

interface ReadModelsModule {
  ReadModels: { open(options: { file: string; store: EventStore }): RunningReadSide | Promise<RunningReadSide> };
}

/** Opens the projections' read models; loaded by name so the API builds while projections/ is being written. */
export const openReadModels = async (options: { file: string; store: EventStore; warn?: (message: string) => void }): Promise<RunningReadSide> => {
  const moduleName = '@cc/projections';
  const present = existsSync(new URL('../../projections/src/index.ts', import.meta.url));
  const module: Partial<ReadModelsModule> = present ? ((await import(moduleName)) as Partial<ReadModelsModule>) : {};
  if (module.ReadModels !== undefined) return module.ReadModels.open({ file: options.file, store: options.store });
  options.warn?.('@cc/projections has no ReadModels yet: serving from the interim in-memory read side');
  const { InterimReadSide } = await import('./interim-read-side.ts');
  return new InterimReadSide(options.store);
};
