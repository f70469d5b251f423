/**
 * `pnpm chaos`, short: a two-minute fault campaign against a system of its own (native Kafka,
 * registry and durable PostgreSQL, the six services as processes), with a fixed seed. Whatever the
 * faults did, every cross-service invariant holds (tests/chaos/invariants.ts): nothing lost, nothing
 * doubled, every order final, money, mails, shipments, stock, KPIs and dead letters all agree.
 */
import { runCampaign } from "./chaos/campaign";
import { startOwnSystem } from "./chaos/own-system";
import { formatReport } from "./chaos/report";

// Seed 31 draws poison, kill -9 of a service, of Kafka, of PostgreSQL, then a group reset: as many as two minutes hold.
test("when a two-minute seeded fault campaign runs under mixed load, then nothing is lost or doubled and every invariant holds", async () => {
  let passed = false;
  const { control, system } = await startOwnSystem(() => {}, [{ sku: "CHAOS-SCARCE", name: "Scarce poster", price: 500, quantity: 20 }]);
  try {
    const { environment } = system;
    const result = await runCampaign({
      control, minutes: 2, seed: 31, ratePerS: 5, log: (line) => console.log(line),
      adminKafka: { brokers: environment.brokers, clientId: "chaos-test", credentials: environment.kafkaCredentials("admin") },
      registry: environment.schemaRegistry,
    });
    console.log(formatReport(result).join("\n"));
    expect(result.faults.map((fault) => fault.kind).slice(0, 2)).toEqual(["poison", "kill-service"]);
    expect(result.load.placed.length).toBeGreaterThan(0);
    expect({ lost: result.verdict.lost, doubled: result.verdict.doubled, violations: result.verdict.violations }).toEqual({ lost: 0, doubled: 0, violations: [] });
    passed = true;
  } finally {
    await system.stop({ keepLogs: !passed }); // the services' logs, to see what went wrong
  }
}, 900_000);
