// One trace as a waterfall: a bar per span, placed by its start and length on a shared time axis,
// coloured by the service that recorded it. The spans come from the explorer's OTLP receiver.
import { api, h } from "./dom.js";

export async function renderTrace(box, traceId) {
  const { spans } = await api(`/api/traces/${traceId}`);
  if (spans.length === 0) {
    box.replaceChildren(h("p", { class: "muted" }, `no spans of trace ${traceId} yet (the services export them to the explorer when OTEL_EXPORTER_OTLP_ENDPOINT points at it)`));
    return;
  }
  const start = Math.min(...spans.map((s) => s.startMs));
  const end = Math.max(...spans.map((s) => s.startMs + s.durationMs));
  const total = Math.max(end - start, 1);
  const serviceCount = new Set(spans.map((s) => s.service)).size;
  box.replaceChildren(
    h("p", { class: "muted" }, `trace ${traceId}: ${spans.length} spans from ${serviceCount} services over ${total.toFixed(1)} ms`),
    h("div", { id: "waterfall" }, spans.map((span) => h("div", { class: "span-row", "data-service": span.service },
      h("span", { class: "span-name", title: span.name }, `${span.service}: ${span.name}`),
      h("span", { class: "span-track" }, h("span", {
        class: `span-bar lane-${span.service}${span.error ? " error" : ""}`,
        style: `left:${((span.startMs - start) / total) * 100}%;width:${Math.max((span.durationMs / total) * 100, 0.3)}%`,
        title: `${span.durationMs.toFixed(2)} ms`,
      }))))),
  );
}
