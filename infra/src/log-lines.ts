/**
 * Makes the six services' JSON logs readable side by side in one terminal:
 *   12:01:02.123 order      info  order placed  orderId=3f2a… eventType=OrderPlaced
 * One colour per service; lines that are not JSON pass through unchanged.
 */
const colours = [36, 33, 35, 32, 34, 31]; // cyan, yellow, magenta, green, blue, red
const levels: Record<string, string> = { trace: "trace", debug: "debug", info: "info ", warn: "WARN ", error: "ERROR", fatal: "FATAL" };
const shown = ["orderId", "eventType", "eventId", "sku", "traceId", "startupMs", "err", "error"];

export function formatLogLine(service: string, index: number, line: string, colour: boolean): string {
  const name = colour ? `\x1b[${colours[index % colours.length]}m${service.padEnd(10)}\x1b[0m` : service.padEnd(10);
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return `${"".padEnd(12)} ${name} ${line}`;
  }
  const time = typeof entry.time === "string" ? entry.time.slice(11, 23) : "".padEnd(12);
  const level = levels[String(entry.level)] ?? String(entry.level);
  const fields = shown
    .filter((key) => entry[key] !== undefined)
    .map((key) => `${key}=${typeof entry[key] === "object" ? JSON.stringify(entry[key]) : String(entry[key])}`);
  return `${time} ${name} ${level} ${String(entry.msg ?? "")}${fields.length ? `  ${fields.join(" ")}` : ""}`;
}
