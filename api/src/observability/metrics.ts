/**
 * Prometheus text exposition, written by hand (a few counters, one histogram, gauges computed at
 * scrape time) so the API needs no metrics library.
 */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const labelText = (labels: Record<string, string>): string => {
  const parts = Object.entries(labels).map(([key, value]) => `${key}="${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n')}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
};

interface HistogramSeries {
  labels: Record<string, string>;
  counts: number[];
  sum: number;
  count: number;
}

export interface Gauge {
  name: string;
  help: string;
  samples: Array<{ labels: Record<string, string>; value: number }>;
}

export class HttpMetrics {
  readonly #requests = new Map<string, { labels: Record<string, string>; value: number }>();
  readonly #durations = new Map<string, HistogramSeries>();

  observe(method: string, route: string, status: number, seconds: number): void {
    const labels = { method, route, status: String(status) };
    const key = JSON.stringify(labels);
    const counter = this.#requests.get(key) ?? { labels, value: 0 };
    counter.value += 1;
    this.#requests.set(key, counter);
    const durationLabels = { method, route };
    const durationKey = JSON.stringify(durationLabels);
    const series = this.#durations.get(durationKey) ?? { labels: durationLabels, counts: BUCKETS.map(() => 0), sum: 0, count: 0 };
    BUCKETS.forEach((bound, index) => {
      if (seconds <= bound) series.counts[index] = (series.counts[index] ?? 0) + 1;
    });
    series.sum += seconds;
    series.count += 1;
    this.#durations.set(durationKey, series);
  }

  render(gauges: Gauge[]): string {
    const lines: string[] = [];
    lines.push('# HELP cc_http_requests_total HTTP requests answered, by method, route and status.', '# TYPE cc_http_requests_total counter');
    for (const { labels, value } of this.#requests.values()) lines.push(`cc_http_requests_total${labelText(labels)} ${value}`);
    lines.push('# HELP cc_http_request_duration_seconds Time to answer HTTP requests.', '# TYPE cc_http_request_duration_seconds histogram');
    for (const series of this.#durations.values()) {
      BUCKETS.forEach((bound, index) => lines.push(`cc_http_request_duration_seconds_bucket${labelText({ ...series.labels, le: String(bound) })} ${series.counts[index] ?? 0}`));
      lines.push(`cc_http_request_duration_seconds_bucket${labelText({ ...series.labels, le: '+Inf' })} ${series.count}`);
      lines.push(`cc_http_request_duration_seconds_sum${labelText(series.labels)} ${series.sum}`);
      lines.push(`cc_http_request_duration_seconds_count${labelText(series.labels)} ${series.count}`);
    }
    for (const gauge of gauges) {
      lines.push(`# HELP ${gauge.name} ${gauge.help}`, `# TYPE ${gauge.name} gauge`);
      for (const sample of gauge.samples) lines.push(`${gauge.name}${labelText(sample.labels)} ${sample.value}`);
    }
    return lines.join('\n') + '\n';
  }
}
