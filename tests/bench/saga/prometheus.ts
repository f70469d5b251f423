/**
 * Reads a service's GET /metrics (Prometheus text format) into samples, and sums them.
 * Only what the benchmark needs: counters and gauges, one sample per line.
 */
export interface Sample { name: string; labels: Record<string, string>; value: number }

/** `kafka_requests_total{client="producer",api="Produce"} 42` → { name, labels, value }. */
export function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line); // comments (# HELP, # TYPE) do not match
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

export async function scrape(serviceUrl: string): Promise<Sample[]> {
  const response = await fetch(`${serviceUrl}/metrics`, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`GET ${serviceUrl}/metrics answered ${response.status}`);
  return parsePrometheus(await response.text());
}

/** The sum of every sample named `name`; undefined when there is none (a metric renamed or gone). */
export function total(samples: Sample[], name: string): number | undefined {
  const matching = samples.filter((sample) => sample.name === name);
  return matching.length === 0 ? undefined : matching.reduce((sum, sample) => sum + sample.value, 0);
}

/** The sum of the samples named `name`, grouped by the value of one label. */
export function totalBy(samples: Sample[], name: string, label: string): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const sample of samples) {
    if (sample.name !== name) continue;
    const key = sample.labels[label] ?? "";
    sums[key] = (sums[key] ?? 0) + sample.value;
  }
  return sums;
}
