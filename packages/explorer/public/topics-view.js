// Topics and groups: every group's lag per partition, the latest messages of a topic decoded
// through the registry; and the mails the SMTP sink received, with analytics' KPIs.
import { api, h } from "./dom.js";

export async function initTopics() {
  const { topics } = await api("/api/config");
  const pick = document.querySelector("#topic-pick");
  pick.replaceChildren(...topics.map((topic) => h("option", {}, topic)));
  pick.addEventListener("change", renderMessages);
  document.querySelector("nav [data-tab=topics]").addEventListener("click", renderMessages);
  document.querySelector("nav [data-tab=mails]").addEventListener("click", () => { renderMails(); renderKpis(); });
  document.querySelector("#kpis-refresh").addEventListener("click", renderKpis);
}

export function renderLag(status) {
  const rows = status.kafkaError ? [h("tr", {}, h("td", { colspan: 6 }, status.kafkaError))] : status.lag.map((row) =>
    h("tr", { class: row.lag > 0 ? "lagging" : "" }, h("td", {}, row.group), h("td", {}, row.topic), h("td", { class: "num" }, row.partition),
      h("td", { class: "num" }, row.committed), h("td", { class: "num" }, row.end), h("td", { class: "num" }, row.lag)));
  document.querySelector("#lag tbody").replaceChildren(...rows);
}

async function renderMessages() {
  const topic = document.querySelector("#topic-pick").value;
  const { messages } = await api(`/api/topics/${topic}`);
  document.querySelector("#topic-messages").replaceChildren(...messages.map((message) =>
    h("details", { class: message.undecodable ? "event kind-failure" : "event" },
      h("summary", {}, `${topic}/${message.partition}@${message.offset} key ${message.key} · ${message.headers["event-type"] ?? "?"}${message.undecodable ? " · not decodable" : ""}`),
      h("pre", {}, JSON.stringify(message, null, 2)))));
}

export async function renderMails() {
  const { mails } = await api("/api/mails");
  document.querySelector("#mails tbody").replaceChildren(...mails.map((mail) =>
    h("tr", {}, h("td", {}, mail.at.slice(11, 23)), h("td", {}, mail.to), h("td", {}, mail.subject))));
}

async function renderKpis() {
  document.querySelector("#kpis").textContent = JSON.stringify(await api("/api/kpis"), null, 2);
}
