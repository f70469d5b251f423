// Break it: each service's state (the supervisor's word and its own /health/ready), its outbox
// backlog and lag, with stop / start / kill -9 / restart; the infrastructure likewise; a poison
// message per topic; the dead letters waiting in each DLQ, with re-drive.
import { api, h, services } from "./dom.js";

const note = (text) => (document.querySelector("#supervisor-note").textContent = text);

// A service action is asked (the supervisor answers 202 and acts); an infrastructure action
// answers once done, so the note says how long the component took.
async function act(path, what) {
  note(`${what}…`);
  const started = performance.now();
  try {
    const answer = await api(path, { method: "POST" });
    note(answer.state ? `${what}: done in ${((performance.now() - started) / 1000).toFixed(1)} s, ${answer.state}.` : `${what}: asked.`);
  } catch (error) {
    note(`${what}: ${error.message}`);
  }
}

/** One line on what is wrong now (or that nothing is): the outage while it lasts, its end when it ends. */
function health(status) {
  const stopped = status.supervisor.infra.filter((c) => c.state !== "running").map((c) => `${c.name} ${c.state}`);
  const down = services.filter((name) => !status.services.find((s) => s.name === name)?.ready);
  const problems = [...stopped, ...(status.kafkaError ? [status.kafkaError] : []), ...(down.length ? [`not ready: ${down.join(", ")}`] : [])];
  return problems.length === 0
    ? h("p", { id: "health", class: "ready" }, `All well at ${status.at.slice(11, 19)}: every service ready, Kafka answers.`)
    : h("p", { id: "health", class: "down" }, `Outage at ${status.at.slice(11, 19)}: ${problems.join("; ")}.`);
}

function buttons(actions, path, what) {
  return h("td", { class: "actions" }, actions.map(([action, label]) =>
    h("button", { "data-action": action, onclick: () => act(`${path}/${action}`, `${what} ${label}`) }, label)));
}

export function renderBreakIt(status) {
  const supervised = status.supervisor.services;
  if (status.supervisor.error) note(`No supervisor: ${status.supervisor.error}. The buttons need pnpm start.`);
  document.querySelector("#health").replaceWith(health(status));
  const lagOf = (name) => status.lag.filter((row) => row.group === name || row.group.startsWith(`${name}.`)).reduce((sum, row) => sum + row.lag, 0);
  document.querySelector("#services tbody").replaceChildren(...services.map((name) => {
    const health = status.services.find((s) => s.name === name);
    const states = supervised.filter((s) => s.name === name).map((s) => `${s.state}${s.restarts ? ` (${s.restarts} restarts)` : ""}`);
    return h("tr", { "data-service": name },
      h("th", {}, name),
      h("td", { class: "supervisor-state" }, states.join(", ") || "–"),
      h("td", { class: health?.ready ? "ready" : "down", "data-testid": "ready" }, health?.ready ? "ready" : "down"),
      h("td", { class: "num" }, health?.outboxBacklog ?? "–"),
      h("td", { class: "num", "data-testid": "lag" }, lagOf(name)),
      buttons([["stop", "stop"], ["start", "start"], ["kill", "kill -9"], ["restart", "restart"]], `/api/services/${name}`, name));
  }));
  document.querySelector("#infra tbody").replaceChildren(...["kafka", "registry", "postgres"].map((name) => {
    const component = status.supervisor.infra.find((c) => c.name === name);
    return h("tr", { "data-component": name }, h("th", {}, name), h("td", {}, component?.state ?? "–"), h("td", {}, component?.pid ?? "–"),
      buttons([["stop", "stop"], ["start", "start"], ["kill", "kill -9"], ["restart", "restart"]], `/api/infra/${name}`, name));
  }));
  document.querySelector("#dlq tbody").replaceChildren(...Object.entries(status.deadLetters).map(([topic, waiting]) =>
    h("tr", { "data-dlq": topic }, h("th", {}, topic), h("td", { class: "num", "data-testid": "waiting" }, waiting),
      h("td", { class: "actions" },
        h("button", { "data-action": "poison", onclick: () => act(`/api/topics/${topic}/poison`, `poison to ${topic}`) }, "send poison"),
        h("button", { "data-action": "letters", onclick: () => showLetters(topic) }, "show letters"),
        h("button", { "data-action": "redrive", onclick: () => redrive(topic) }, "re-drive")))));
}

async function showLetters(topic) {
  const box = document.querySelector("#dlq-letters");
  box.replaceChildren(h("p", { class: "muted" }, `reading ${topic}.dlq…`));
  const { letters } = await api(`/api/dlq/${topic}`);
  box.replaceChildren(h("h3", {}, `${letters.length} waiting in ${topic}.dlq`), ...letters.map((letter) =>
    h("details", { class: "letter" }, h("summary", {}, `${letter.headers["dlq-error-kind"]} in group ${letter.headers["dlq-consumer-group"]}: ${letter.headers["dlq-error"]}`),
      h("pre", {}, JSON.stringify(letter, null, 2)))));
}

async function redrive(topic) {
  note(`re-driving ${topic}.dlq…`);
  try {
    const { redriven } = await api(`/api/dlq/${topic}/redrive`, { method: "POST" });
    note(`re-drove ${redriven} letter(s) from ${topic}.dlq to ${topic}`);
  } catch (error) {
    note(`re-drive of ${topic}.dlq: ${error.message}`);
  }
}
