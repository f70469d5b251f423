// Sagas: the list (filtered, newest first, at most `visibleRows` rendered whatever the rate) and
// one order's detail: its swimlanes, every event decoded, its rows in each service, its trace.
import { api, h, services } from "./dom.js";
import { renderTrace } from "./trace-view.js";

const kept = 500; // as many as the server keeps
const visibleRows = 50;
const sagas = new Map(); // orderId → summary
let selected = null;
let renderQueued = false;
let detailQueued = false;
let traceTimer = null;

export async function initSagas() {
  for (const select of document.querySelectorAll(".filters select")) select.addEventListener("change", render);
  const { sagas: list } = await api("/api/sagas");
  for (const summary of list.reverse()) sagas.set(summary.orderId, summary);
  render();
}

/** A batch from the live feed: replace those summaries, forget the oldest beyond `kept`, render once per frame. */
export function sagasChanged({ sagas: changed }) {
  for (const summary of changed) {
    sagas.delete(summary.orderId);
    sagas.set(summary.orderId, summary);
  }
  while (sagas.size > kept) sagas.delete(sagas.keys().next().value);
  if (!renderQueued) {
    renderQueued = true;
    requestAnimationFrame(() => { renderQueued = false; render(); });
  }
  if (selected && changed.some((summary) => summary.orderId === selected) && !detailQueued) {
    detailQueued = true;
    setTimeout(() => { detailQueued = false; openSaga(selected, false); }, 300); // at most ~3 detail reloads a second
  }
}

const laneOf = (producer) => (services.includes(producer) ? producer : "order");
const stateBadge = (state, reason) => h("span", { class: `state state-${state}`, "data-testid": "state" }, reason ? `${state} · ${reason}` : state);

function render() {
  const state = document.querySelector("#filter-state").value;
  const reason = document.querySelector("#filter-reason").value;
  const matching = [...sagas.values()].filter((s) => (!state || s.state === state) && (!reason || s.reason === reason))
    .sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  document.querySelector("#saga-count").textContent = `showing ${Math.min(visibleRows, matching.length)} of ${matching.length} (of the latest ${sagas.size})`;
  const rows = matching.slice(0, visibleRows).map((saga) => h("tr", {
    "data-order": saga.orderId, class: saga.orderId === selected ? "selected" : "", onclick: () => openSaga(saga.orderId),
  },
  h("td", { class: "mono" }, saga.orderId.slice(0, 8)),
  h("td", {}, stateBadge(saga.state, saga.reason)),
  h("td", { class: "chips" }, saga.steps.map((step) => h("span", {
    class: `chip lane-${laneOf(step.producer)} kind-${step.kind}`, title: `${step.eventType} by ${step.producer}${step.hopMs === null ? "" : `, +${step.hopMs} ms`}`,
  }))),
  h("td", { class: "num" }, saga.durationMs ?? "…")));
  document.querySelector("#sagas tbody").replaceChildren(...rows);
}

/** The swimlanes: one row per service, one column per event in causation order, the hop's time in each cell. */
function swimlanes(events) {
  const head = h("tr", {}, h("th", {}, "service"), events.map((_, i) => h("th", { class: "num" }, i + 1)));
  const lanes = services.map((service) => h("tr", { "data-lane": service }, h("th", {}, service),
    events.map((event) => laneOf(event.producer) !== service ? h("td") : h("td", { class: `step kind-${event.kind}`, "data-event": event.eventType },
      h("div", {}, event.eventType), h("small", {}, event.hopMs === null ? "first" : `+${event.hopMs} ms`)))));
  return h("table", { class: "swimlanes" }, h("thead", {}, head), h("tbody", {}, lanes));
}

function eventDetails(event) {
  return h("details", { class: `event kind-${event.kind}` },
    h("summary", {}, `${event.eventType} by ${event.producer} · ${event.topic}/${event.partition}@${event.offset} · ${event.occurredAt}`),
    h("pre", {}, JSON.stringify({ payload: event.payload, headers: event.headers }, null, 2)));
}

export async function openSaga(orderId, scroll = true) {
  selected = orderId;
  for (const row of document.querySelectorAll("#sagas tr[data-order]")) row.classList.toggle("selected", row.dataset.order === orderId);
  const panel = document.querySelector("#saga-detail");
  let saga;
  try {
    saga = await api(`/api/sagas/${encodeURIComponent(orderId)}`);
  } catch (error) {
    panel.replaceChildren(h("p", { class: "muted" }, `order ${orderId}: ${error.message} (its events may not have arrived yet)`));
    return;
  }
  if (selected !== orderId) return; // another order was clicked meanwhile
  const traceBox = h("div", { id: "trace" });
  panel.replaceChildren(
    h("h2", {}, "Order ", h("span", { class: "mono", "data-testid": "order-id" }, orderId)),
    h("p", {}, stateBadge(saga.state ?? saga.rows?.order?.status ?? "?", saga.reason), saga.durationMs == null ? " in flight" : ` in ${saga.durationMs} ms`),
    swimlanes(saga.events),
    h("h3", {}, `Events (${saga.events.length}), decoded`), ...saga.events.map(eventDetails),
    h("h3", {}, "Its rows in each service"),
    h("details", { open: false }, h("summary", {}, "order, payment, shipment, e-mails"), h("pre", {}, JSON.stringify(saga.rows, null, 2))),
    h("h3", {}, "Trace ", saga.jaeger ? h("a", { href: saga.jaeger, target: "_blank" }, "in Jaeger") : ""),
    traceBox,
  );
  // Spans arrive after the events (each service exports them in batches): redraw the waterfall every 2 s while it is open.
  clearInterval(traceTimer);
  if (saga.traceId) {
    const draw = () => renderTrace(traceBox, saga.traceId).catch(() => undefined);
    draw();
    traceTimer = setInterval(() => (traceBox.isConnected ? draw() : clearInterval(traceTimer)), 2000);
  }
  if (scroll) panel.scrollIntoView({ block: "nearest" });
}
