/** The simulator's output: one `name: value` line per figure, fixed decimals, so equal runs print equal bytes. */
import type { CapacityFigures } from './simulation-metrics.ts';
import { SERVICE_LEVEL_SECONDS } from './capacity-simulation.ts';

export const formatCapacityReport = (figures: CapacityFigures): string =>
  [
    `offered: ${figures.offered}`,
    `answered: ${figures.answered}`,
    `abandoned: ${figures.abandoned}`,
    `asa_seconds: ${figures.asaSeconds.toFixed(2)}`,
    `service_level_${SERVICE_LEVEL_SECONDS}s_percent: ${figures.serviceLevelPercent.toFixed(2)}`,
    `occupancy_percent: ${figures.occupancyPercent.toFixed(2)}`,
  ].join('\n') + '\n';
