import { gauge } from "./service-apis";

test("when a gauge has labelled samples, then its value is their sum; when it is absent, null", () => {
  const metrics = [
    "# HELP outbox_backlog_messages rows not yet published",
    "outbox_backlog_messages 3",
    'outbox_backlog_messages{service="x"} 4',
    "outbox_backlog_messages_total 100",
  ].join("\n");
  expect(gauge(metrics, "outbox_backlog_messages")).toBe(7);
  expect(gauge(metrics, "relay_publish_seconds")).toBeNull();
});
