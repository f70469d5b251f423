// Two helpers the views share: build an element, and call the explorer's API.

/** h("td", { class: "x", onclick }, "text", child) → an element; attributes starting with "on" are listeners. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) if (child !== undefined && child !== null) element.append(child instanceof Node ? child : String(child));
  return element;
}

/** JSON from the API; throws with the server's message on a non-2xx answer. */
export async function api(path, options = {}) {
  const init = { ...options, headers: options.body ? { "content-type": "application/json" } : {} };
  if (options.body) init.body = JSON.stringify(options.body);
  const response = await fetch(path, init);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.message ?? `${response.status}`);
  return body;
}

export const services = ["order", "inventory", "payment", "warehouse", "email", "analytics"];
