/**
 * The six services' HTTP APIs, as a client would call them (ARCHITECTURE §6): one order's rows in
 * every service, each service's health and outbox backlog (its /metrics), and analytics' KPIs.
 */
export const serviceNames = ["order", "inventory", "payment", "warehouse", "email", "analytics"] as const;
export type ServiceName = (typeof serviceNames)[number];
export type ServiceUrls = Record<ServiceName, string>;

const timeout = () => AbortSignal.timeout(3000);

async function getJson(url: string): Promise<unknown> {
  try {
    const response = await fetch(url, { signal: timeout() });
    if (response.status === 404) return null;
    const body = await response.json().catch(() => null);
    return response.ok ? body : { error: `${response.status}`, body };
  } catch (error) {
    return { error: `not reachable: ${(error as Error).message}` };
  }
}

/** What each service holds about one order: the rows a support engineer would look up. */
export async function orderRows(urls: ServiceUrls, orderId: string): Promise<Record<string, unknown>> {
  const id = encodeURIComponent(orderId);
  const [order, payment, shipment, emails] = await Promise.all([
    getJson(`${urls.order}/orders/${id}`), getJson(`${urls.payment}/payments/${id}`),
    getJson(`${urls.warehouse}/shipments/${id}`), getJson(`${urls.email}/emails?orderId=${id}`),
  ]);
  return { order, payment, shipment, emails };
}

export const kpis = (urls: ServiceUrls) => getJson(`${urls.analytics}/kpis`);

export interface ServiceHealth { name: ServiceName; ready: boolean; outboxBacklog: number | null }

/** Ready or not (GET /health/ready), and the outbox rows not yet published (the outbox_backlog_messages gauge). */
export async function serviceHealth(urls: ServiceUrls): Promise<ServiceHealth[]> {
  return Promise.all(serviceNames.map(async (name) => {
    const ready = await fetch(`${urls[name]}/health/ready`, { signal: timeout() }).then((r) => r.ok, () => false);
    const metrics = ready ? await fetch(`${urls[name]}/metrics`, { signal: timeout() }).then((r) => r.text(), () => "") : "";
    return { name, ready, outboxBacklog: gauge(metrics, "outbox_backlog_messages") };
  }));
}

/** The sum of a gauge's samples in Prometheus text, or null when the service does not report it. */
export function gauge(metrics: string, name: string): number | null {
  const samples = metrics.split("\n").filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`));
  if (samples.length === 0) return null;
  return samples.reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(" ") + 1)), 0);
}
