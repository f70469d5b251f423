/**
 * Runs Apache Kafka natively: jars from Maven Central (resolved by `mvn` via infra/kafka/pom.xml,
 * kept in ~/.m2), started with `java` in KRaft combined mode (broker + controller, one process).
 *
 * Version 4.4.0, the newest 4.x on Maven Central. Kafka 4 removed old protocol versions
 * (KIP-896), so it was checked against kafkajs 2.2.4, our client: admin createTopics,
 * fetchTopicMetadata, fetchTopicOffsets, createPartitions, describe/alterConfigs, fetch/reset
 * offsets, delete groups/records/topics; idempotent producer with acks=all (gzip too);
 * transactions (commit, abort, sendOffsets, read_committed); a consumer group reading from the
 * beginning with commits, and a second member resuming from the committed offsets; kill -9 and
 * restart (kafka.test.ts). All work. One kafkajs quirk, the same on 3.9.1: a transaction's
 * sendOffsets fails with "not the correct coordinator" if __consumer_offsets does not exist yet.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { Kafka, logLevel } from "kafkajs";
import { findJava } from "./java";
import { credentialsFileOf, ensureKafkaCredentials, saslOf, scramMechanism, type KafkaCredentials, type KafkaPrincipal } from "./kafka-credentials";
import { runMaven } from "./maven";
import { cacheDir, repoRoot } from "./paths";
import { assertPortFree } from "./ports";
import { isAlive, spawnDetached, stopProcess, tail } from "./processes";
import { silent, type Progress } from "./progress";
import { waitFor } from "./wait";

export const kafkaVersion = "4.4.0";

export interface KafkaOptions {
  dataDir: string;
  port: number;
  controllerPort: number;
  logFile: string;
  heap?: string;
  progress?: Progress;
}

const kafkaDir = path.join(repoRoot, "infra", "kafka");
const pomFile = path.join(kafkaDir, "pom.xml");
const classpathFile = path.join(cacheDir, `kafka-${kafkaVersion}.classpath`);

/** Resolves the broker classpath once per version; later calls read the cached file. */
export async function resolveKafkaClasspath(progress: Progress = silent): Promise<string> {
  const cached = readCachedClasspath();
  if (cached) return cached;
  progress(`Resolving Kafka ${kafkaVersion} jars with Maven (first run downloads ~45 MB into ~/.m2)`);
  fs.mkdirSync(cacheDir, { recursive: true });
  // Written beside, then renamed: a reader (another test worker) never sees half a file.
  const partial = `${classpathFile}.${process.pid}.tmp`;
  await runMaven(["-f", pomFile, "dependency:build-classpath", `-Dkafka.version=${kafkaVersion}`, `-Dmdep.outputFile=${partial}`], `Kafka ${kafkaVersion}`, progress);
  fs.renameSync(partial, classpathFile);
  return fs.readFileSync(classpathFile, "utf8").trim();
}

/** The cached classpath, unless missing, older than the POM, or pointing at a deleted jar (~/.m2 cleaned). */
function readCachedClasspath(): string | undefined {
  try {
    if (fs.statSync(classpathFile).mtimeMs < fs.statSync(pomFile).mtimeMs) return undefined;
    const classpath = fs.readFileSync(classpathFile, "utf8").trim();
    const jars = classpath.split(path.delimiter);
    return jars.length > 0 && jars.every((jar) => fs.existsSync(jar)) ? classpath : undefined;
  } catch {
    return undefined;
  }
}

function serverProperties({ dataDir, port, controllerPort }: KafkaOptions, admin: KafkaCredentials): string {
  return [
    "# Written by infra/src/kafka.ts on every start; edit that file, not this one. It holds the admin password: mode 0600.",
    "process.roles=broker,controller",
    "node.id=1",
    // A static voter set, so `StorageTool format` needs no --standalone and the quorum is fixed.
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=CLIENT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=CLIENT://127.0.0.1:${port}`,
    "controller.listener.names=CONTROLLER",
    ...authenticationProperties(admin),
    `log.dirs=${path.join(dataDir, "logs")}`,
    // One broker: internal topics cannot have more than one replica.
    "offsets.topic.replication.factor=1",
    "transaction.state.log.replication.factor=1",
    "transaction.state.log.min.isr=1",
    "share.coordinator.state.topic.replication.factor=1",
    "share.coordinator.state.topic.min.isr=1",
    // Tests start consumers often; the default 3 s delay before the first rebalance only slows them.
    "group.initial.rebalance.delay.ms=0",
    // After kill -9 the restarted controller keeps the dead incarnation's registration until its
    // session expires (default 9 s) and refuses the new one (DUPLICATE_BROKER_REGISTRATION) till then.
    // Shorter: crash-restart takes ~5 s instead of ~12 s. Heartbeats are local, so 4 s is still ample.
    "broker.session.timeout.ms=4000",
    "broker.heartbeat.interval.ms=1000",
    "num.partitions=3",
    "auto.create.topics.enable=true",
    "",
  ].join("\n");
}

/**
 * Decision 011. CLIENT, the only listener clients reach: SASL/SCRAM, also for the broker's links
 * to itself (inter-broker, as admin). CONTROLLER, the KRaft quorum on 127.0.0.1: SASL/PLAIN with
 * one static user, admin (SCRAM cannot serve the controller: its users live in the metadata the
 * controller serves). Kafka's own authorizer; no ACL, no access; admin is the only super user.
 */
function authenticationProperties({ username, password }: KafkaCredentials): string[] {
  return [
    "listener.security.protocol.map=CLIENT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT",
    "inter.broker.listener.name=CLIENT",
    `listener.name.client.sasl.enabled.mechanisms=${scramMechanism}`,
    `sasl.mechanism.inter.broker.protocol=${scramMechanism}`,
    `listener.name.client.${scramMechanism.toLowerCase()}.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${username}" password="${password}";`,
    "listener.name.controller.sasl.enabled.mechanisms=PLAIN",
    "sasl.mechanism.controller.protocol=PLAIN",
    `listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="${username}" password="${password}" user_${username}="${password}";`,
    "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
    "allow.everyone.if.no.acl.found=false",
    `super.users=User:${username}`,
  ];
}

/** JVM flags as in Kafka's kafka-run-class.sh, with a smaller default heap (tests run several processes). */
function jvmArgs(options: KafkaOptions, classpath: string): string[] {
  const heap = (options.heap ?? "-Xmx512m -Xms256m").split(/\s+/).filter(Boolean);
  return [
    ...heap,
    "-server", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-XX:InitiatingHeapOccupancyPercent=35",
    "-XX:+ExplicitGCInvokesConcurrent", "-Djava.awt.headless=true",
    // Kafka 4 logs with Log4j 2; the old -Dlog4j.configuration is ignored.
    `-Dlog4j2.configurationFile=${path.join(kafkaDir, "log4j2.properties")}`,
    "-cp", classpath,
  ];
}

/** Formats the KRaft storage once, with every principal's SCRAM user; a restart (also after kill -9) reuses it with its data. */
async function formatStorageOnce(
  java: string, options: KafkaOptions, classpath: string, propsFile: string, credentials: Record<KafkaPrincipal, KafkaCredentials>,
): Promise<void> {
  if (fs.existsSync(path.join(options.dataDir, "logs", "meta.properties"))) return;
  // A cluster id is 16 random bytes in base64url; Kafka avoids ids starting with "-" (they read as CLI flags).
  let clusterId = randomBytes(16).toString("base64url");
  while (clusterId.startsWith("-")) clusterId = randomBytes(16).toString("base64url");
  const args = [...jvmArgs({ ...options, heap: "-Xmx256m" }, classpath), "kafka.tools.StorageTool", "format", "-t", clusterId, "-c", propsFile,
    ...Object.values(credentials).flatMap(({ username, password }) => ["--add-scram", `${scramMechanism}=[name=${username},password=${password}]`])];
  try {
    const { stdout } = await promisify(execFile)(java, args, { timeout: 60_000 });
    fs.appendFileSync(options.logFile, stdout);
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    throw new Error(`Formatting Kafka storage in ${options.dataDir} failed:\n${stdout}${stderr}`);
  }
}

/** True once the broker answers a metadata request and lists itself ("started" for Kafka; also used for containers). */
export async function answersMetadata(brokers: string[], admin: KafkaCredentials): Promise<boolean> {
  const client = new Kafka({ brokers, sasl: saslOf(admin), logLevel: logLevel.NOTHING, connectionTimeout: 1000, retry: { retries: 0 } }).admin();
  try {
    await client.connect();
    return (await client.describeCluster()).brokers.length > 0;
  } finally {
    await client.disconnect();
  }
}

export async function startKafka(options: KafkaOptions): Promise<{ pid: number; brokers: string[] }> {
  const progress = options.progress ?? silent;
  const java = findJava(17, `Kafka ${kafkaVersion}`);
  await assertPortFree(options.port, "Kafka broker");
  await assertPortFree(options.controllerPort, "Kafka controller");
  const classpath = await resolveKafkaClasspath(progress);

  fs.mkdirSync(options.dataDir, { recursive: true });
  fs.mkdirSync(path.dirname(options.logFile), { recursive: true });
  const propsFile = path.join(options.dataDir, "server.properties");
  if (fs.existsSync(path.join(options.dataDir, "logs", "meta.properties")) && !fs.existsSync(credentialsFileOf(options.dataDir))) {
    throw new Error(`${options.dataDir} was formatted before Kafka had users (decision 011): remove it (\`pnpm infra down\`) and start again.`);
  }
  const credentials = ensureKafkaCredentials(options.dataDir);
  fs.writeFileSync(propsFile, serverProperties(options, credentials.admin), { mode: 0o600 });
  await formatStorageOnce(java, options, classpath, propsFile, credentials);

  const brokers = [`127.0.0.1:${options.port}`];
  progress(`Starting Kafka ${kafkaVersion} on ${brokers[0]} (log: ${options.logFile})`);
  const pid = spawnDetached({ command: java, args: [...jvmArgs(options, classpath), "kafka.Kafka", propsFile], logFile: options.logFile });
  try {
    // Stops early when the process exits (bad config, port taken meanwhile) instead of waiting out the deadline.
    const state = await waitFor(`Kafka on ${brokers[0]} to answer a metadata request`,
      async () => (!isAlive(pid) ? "exited" : (await answersMetadata(brokers, credentials.admin)) && "ready"), { timeoutMs: 60_000, intervalMs: 250 });
    if (state === "exited") throw new Error(`Kafka (pid ${pid}) exited during start-up`);
  } catch (error) {
    await stopProcess(pid, { signal: "SIGKILL" });
    throw new Error(`${(error as Error).message}\n--- last lines of ${options.logFile} ---\n${tail(options.logFile, 30)}`);
  }
  return { pid, brokers };
}

/** SIGTERM: controlled shutdown (waits for exit). SIGKILL: a crash, for recovery tests. */
export async function stopKafka(pid: number, options: { signal?: NodeJS.Signals } = {}): Promise<void> {
  await stopProcess(pid, { signal: options.signal ?? "SIGTERM", graceMs: 30_000 });
}
