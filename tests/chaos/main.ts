/**
 * pnpm chaos [--minutes N] [--seed S] [--rate R]
 *
 * A fault campaign (campaign.ts): steady mixed load, kill -9 of services, Kafka and PostgreSQL,
 * consumer group resets, poison and schema-invalid messages at seeded random times, then every
 * cross-service invariant checked. Prints a table and exits 1 on any violation.
 *
 * Against the running system when `pnpm start` (its supervisor) answers; otherwise against a
 * system of its own, started and stopped here (no `pnpm start` needed). Defaults: 5 minutes,
 * 20 orders/s, a seed from the clock (printed, so that a run can be replayed).
 */
import { brokersOf, readState, registryCredentialsOf, schemaRegistryUrlOf } from "@shop/infra";
import { findSupervisor, type Control } from "@shop/infra/src/control-client";
import { devDir } from "@shop/infra/src/dev-environment";
import { kafkaCredentialsOf } from "@shop/infra/src/kafka-credentials";
import type { KafkaConfig } from "@shop/messaging";
import { runCampaign, type CampaignOptions } from "./campaign";
import { startOwnSystem } from "./own-system";
import { formatReport, timeoutShare } from "./report";

const usage = "usage: pnpm chaos [--minutes N] [--seed S] [--rate ORDERS_PER_S]";
/** The own system's product with little stock: its orders run it out, then are out of stock. */
export const scarceProduct = { sku: "CHAOS-SCARCE", name: "Scarce poster", price: 500, quantity: 20 };

export function parseArgs(args: string[]): { minutes: number; seed: number; rate: number } {
  const values: Record<string, number> = { minutes: 5, seed: Date.now() % 1_000_000, rate: 20 };
  for (let i = 0; i < args.length; i += 2) {
    const name = args[i]?.replace(/^--/, "") ?? "";
    const value = Number(args[i + 1]);
    if (!(name in values) || !args[i]!.startsWith("--") || !Number.isFinite(value) || value <= 0) throw new Error(`${args[i]} ${args[i + 1] ?? ""}: ${usage}`);
    values[name] = value;
  }
  return { minutes: values.minutes!, seed: Math.floor(values.seed!), rate: values.rate! };
}

async function main(): Promise<void> {
  const { minutes, seed, rate } = parseArgs(process.argv.slice(2));
  const log = (line: string) => console.log(line);
  let control: Control | undefined = await findSupervisor();
  let access: Pick<CampaignOptions, "adminKafka" | "registry">;
  let stopOwn = async () => {};
  if (control) {
    const state = readState(devDir)!;
    const admin = kafkaCredentialsOf(state).admin;
    access = {
      adminKafka: { brokers: brokersOf(state), clientId: "chaos", credentials: admin } satisfies KafkaConfig,
      registry: { url: schemaRegistryUrlOf(state), auth: registryCredentialsOf(state).reader },
    };
  } else {
    log("No `pnpm start` answers: starting a system of its own for the campaign...");
    const own = await startOwnSystem(log, [scarceProduct]);
    control = own.control;
    const { environment } = own.system;
    access = {
      adminKafka: { brokers: environment.brokers, clientId: "chaos", credentials: environment.kafkaCredentials("admin") },
      registry: environment.schemaRegistry,
    };
    stopOwn = () => own.system.stop();
  }
  log(`Chaos against ${control.description}: ${minutes} min at ${rate} orders/s, seed ${seed}`);
  try {
    const result = await runCampaign({ control, ...access, minutes, seed, ratePerS: rate, log });
    log("");
    for (const line of formatReport(result)) log(line);
    log(`\nchaos: seed=${seed} accepted=${result.load.placed.length} lost=${result.verdict.lost} doubled=${result.verdict.doubled} timeout_pct=${timeoutShare(result).toFixed(2)} violations=${result.verdict.violations.length}`);
    process.exitCode = result.verdict.violations.length > 0 ? 1 : 0;
  } finally {
    await stopOwn();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(`\nchaos failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  });
}
