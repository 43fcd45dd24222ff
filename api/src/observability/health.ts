/** Read-model lag: how far the read models are behind the log, and whether they have caught up. */
import { READ_MODEL_STREAMS, type Services } from '../services.ts';


export interface ReadModelLag {
  caughtUp: boolean;
  headPosition: bigint;
  readModelPosition: bigint;
  lag: bigint;
}

export const readModelLag = async (services: Services): Promise<ReadModelLag> => {
  const readModelPosition = services.readSide.position;
  const newer = await services.store.readAll({ after: readModelPosition, maxCount: 1, streamPrefixes: READ_MODEL_STREAMS });
  const behind = newer.length > 0;
  const headPosition = services.core.processedPosition > readModelPosition ? services.core.processedPosition : readModelPosition;
  const lag = behind ? (headPosition - readModelPosition > 0n ? headPosition - readModelPosition : 1n) : 0n;
  return { caughtUp: services.readSide.caughtUp && !behind, headPosition, readModelPosition, lag };
};
