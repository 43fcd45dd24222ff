/** Benchmarks print one `name: value` line per figure, so runs can be compared by a script or by eye. */
export const report = (name: string, value: number | string, unit = ''): void => {
  const shown = typeof value === 'number' ? (Number.isInteger(value) ? String(value) : value.toFixed(3)) : value;
  console.log(`${name}: ${shown}${unit === '' ? '' : ` ${unit}`}`);
};

export const percentile = (sorted: readonly number[], p: number): number => {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] as number;
};

export const sortedCopy = (values: readonly number[]): number[] => [...values].sort((a, b) => a - b);
