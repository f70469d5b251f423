// The page's wiring: tabs, the Drive-it bar, and the live feed (Server-Sent Events) that every
// view renders from. The server batches the feed (at most 4 pushes a second), and the views
// render only what is visible, so the page keeps up with 200 orders/s (README.md).
import { api } from "./dom.js";
import { renderBreakIt } from "./break-view.js";
import { initSagas, openSaga, sagasChanged } from "./sagas-view.js";
import { initTopics, renderLag, renderMails } from "./topics-view.js";

let status = null;

function showTab(name) {
  for (const button of document.querySelectorAll("nav [data-tab]")) button.classList.toggle("active", button.dataset.tab === name);
  for (const section of document.querySelectorAll(".tab")) section.hidden = section.id !== `tab-${name}`;
  renderStatus();
}

function renderStatus() {
  if (!status) return;
  if (!document.querySelector("#tab-break").hidden) renderBreakIt(status);
  if (!document.querySelector("#tab-topics").hidden) renderLag(status);
}

function initDrive() {
  const result = document.querySelector("#drive-result");
  for (const button of document.querySelectorAll("#drive [data-path]")) {
    button.addEventListener("click", async () => {
      result.textContent = `placing a ${button.textContent} order…`;
      try {
        const placed = await api("/api/orders", { method: "POST", body: { path: button.dataset.path } });
        result.textContent = `placed ${placed.orderId}`;
        showTab("sagas");
        openSaga(placed.orderId);
      } catch (error) {
        result.textContent = `not placed: ${error.message}`;
      }
    });
  }
  document.querySelector("#burst").addEventListener("click", async () => {
    const count = Number(document.querySelector("#burst-count").value);
    result.textContent = `sending ${count} orders…`;
    try {
      const tally = await api("/api/burst", { method: "POST", body: { count } });
      result.textContent = `burst: ${tally.accepted} accepted, ${tally.refused} refused at the door, ${tally.failed} failed`;
    } catch (error) {
      result.textContent = `burst failed: ${error.message}`;
    }
  });
}

function connect() {
  const feed = new EventSource("/api/live");
  const state = document.querySelector("#live-state");
  feed.onopen = () => (state.textContent = "live");
  feed.onerror = () => (state.textContent = "reconnecting…");
  feed.addEventListener("sagas", (event) => sagasChanged(JSON.parse(event.data)));
  feed.addEventListener("status", (event) => {
    status = JSON.parse(event.data);
    renderStatus();
  });
  feed.addEventListener("mail", () => renderMails());
}

for (const button of document.querySelectorAll("nav [data-tab]")) button.addEventListener("click", () => showTab(button.dataset.tab));
initDrive();
await initSagas();
await initTopics();
connect();
