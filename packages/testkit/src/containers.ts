/**
 * The test environment as containers (testcontainers), used when a Docker engine answers.
 *
 * The Jest parent starts the containers and writes a ContainerState (plain JSON); any process
 * (a Jest worker) rebuilds the Environment from it and acts on the containers by id, so no
 * in-memory handle has to cross a process boundary.
 *
 * Images must match docker-compose.yml and the native path (infra/src/kafka.ts `kafkaVersion`,
 * infra/src/schema-registry.ts `schemaRegistryVersion`).
 */
import { execFile } from "node:child_process";
import path from "node:path";
import {
  adminRole, answersMetadata, createServiceDatabases, freePort, kafkaPrincipals, kafkaVersion, newKafkaCredentials, newPasswords,
  newPersonalDataSecrets, newRegistryCredentials, ownerOf, personalDataEnv, registryAuthEnvironment, roleUrl, schemaRegistryVersion, setUpKafka, waitFor,
  type KafkaCredentials, type KafkaPrincipal, type Passwords, type PersonalDataSecrets, type RegistryCredentials,
} from "@shop/infra";
import { PostgreSqlContainer } from "@testcontainers/postgresql";
import { Client } from "pg";
import { GenericContainer, Wait, getContainerRuntimeClient, type StartedTestContainer } from "testcontainers";
import { serviceDatabases, type Environment } from "./environment";

export const containerImages = {
  kafka: `apache/kafka:${kafkaVersion}`,
  schemaRegistry: `apicurio/apicurio-registry:${schemaRegistryVersion}`,
  postgres: "postgres:17",
} as const;

/** Everything needed to use (and stop) the running containers from another process. */
export interface ContainerState {
  /** Where the published ports are reached, e.g. "127.0.0.1". */
  host: string;
  kafka: { containerId: string; image: string; port: number; credentials: Record<KafkaPrincipal, KafkaCredentials> };
  schemaRegistry: { containerId: string; image: string; port: number; credentials: RegistryCredentials };
  /** Made with the state, which any process of the run reads (decision 014). */
  personalDataSecrets: PersonalDataSecrets;
  /** passwords: role → password, the admin's (`postgres`) and each service's (infra/src/postgres-roles.ts). */
  postgres: { containerId: string; image: string; port: number; passwords: Passwords; databases: string[] };
}

/** True when a Docker engine answers within `timeoutMs`; false otherwise. Never throws. */
export function dockerAvailable(timeoutMs = 5000): Promise<boolean> {
  // testcontainers' own detection (DOCKER_HOST, ~/.testcontainers.properties, the usual sockets
  // including rootless and Docker Desktop, then the engine's `info`), so "true" means starting
  // containers can work. In a child process: an engine that accepts the connection but never
  // answers would otherwise leave a socket open that keeps this process (Jest) from exiting;
  // the child is killed at the deadline instead.
  const script = `require(${JSON.stringify(require.resolve("testcontainers"))}).getContainerRuntimeClient()` +
    ".then(() => process.exit(0), () => process.exit(1))";
  return new Promise((resolve) => {
    execFile(process.execPath, ["-e", script], { timeout: timeoutMs, killSignal: "SIGKILL" }, (error) => resolve(!error));
  });
}

export async function startContainerEnvironment(
  progress: (line: string) => void = () => {},
  { durablePostgres = false }: { durablePostgres?: boolean } = {},
): Promise<ContainerState> {
  const runtime = await getContainerRuntimeClient();
  // Published ports listen on IPv4 everywhere, but "localhost" may resolve to ::1 first.
  const host = runtime.info.containerRuntime.host === "localhost" ? "127.0.0.1" : runtime.info.containerRuntime.host;
  // Kafka and PostgreSQL get host ports chosen up front instead of Docker's random mapping:
  // Docker picks a new random port each time a container starts again, but the broker
  // advertises its address to clients, and both must come back at the address in the state
  // after stopBroker()/startBroker() and restartDatabase(). (Simplification: the port is free
  // on this machine, which is the engine's machine unless DOCKER_HOST points elsewhere.)
  const [kafkaPort, postgresPort] = [await freePort(), await freePort()];
  const credentials = newKafkaCredentials(); // kept in the state, which any process of the run reads
  const registryCredentials = newRegistryCredentials(); // as natively: new passwords per environment
  const passwords = newPasswords([adminRole, ...serviceDatabases]);
  progress(`Docker ${runtime.info.containerRuntime.serverVersion} on ${host}: starting ${Object.values(containerImages).join(", ")} (the first run pulls the images)`);

  const started = await Promise.allSettled([
    startKafka(host, kafkaPort, credentials),
    startSchemaRegistry(registryCredentials),
    startPostgres(postgresPort, passwords[adminRole]!, durablePostgres),
  ]);
  const failed = started.find((result) => result.status === "rejected");
  if (failed) {
    await Promise.allSettled(started.map((r) => r.status === "fulfilled" && r.value.stop({ remove: true, removeVolumes: true })));
    throw failed.reason;
  }
  const [kafka, registry, postgres] = started.map((r) => (r as PromiseFulfilledResult<StartedTestContainer>).value) as [
    StartedTestContainer, StartedTestContainer, StartedTestContainer,
  ];

  const state: ContainerState = {
    host,
    kafka: { containerId: kafka.getId(), image: containerImages.kafka, port: kafkaPort, credentials },
    personalDataSecrets: newPersonalDataSecrets(),
    schemaRegistry: {
      containerId: registry.getId(), image: containerImages.schemaRegistry, port: registry.getMappedPort(8080), credentials: registryCredentials,
    },
    postgres: {
      containerId: postgres.getId(), image: containerImages.postgres, port: postgresPort,
      passwords, databases: [...serviceDatabases],
    },
  };
  try {
    await waitForBroker(state);
    await setUpKafka(brokersOf(state), credentials.admin, progress); // topics and ACLs, as natively (decision 011)
    const admin = new Client({ connectionString: databaseUrlOf(state, "postgres") });
    await admin.connect();
    await createServiceDatabases(admin, passwords).finally(() => admin.end());
  } catch (error) {
    await removeContainers(state);
    throw error;
  }
  progress(`Kafka at ${brokersOf(state)[0]}, registry at ${schemaRegistryUrlOf(state)}, PostgreSQL at ${host}:${postgresPort}`);
  return state;
}

function startKafka(host: string, port: number, credentials: Record<KafkaPrincipal, KafkaCredentials>): Promise<StartedTestContainer> {
  // A GenericContainer, not @testcontainers/kafka: its KafkaContainer (12.x) drives Confluent's
  // cp-kafka images (their start scripts, their version numbers) and cannot run apache/kafka.
  // The broker's settings are those of docker compose: infra/kafka/container-start.sh (decision 011).
  const script = path.resolve(__dirname, "..", "..", "..", "infra", "kafka", "container-start.sh");
  return new GenericContainer(containerImages.kafka)
    .withCopyFilesToContainer([{ source: script, target: "/opt/shop/container-start.sh", mode: 0o755 }])
    .withCommand(["sh", "/opt/shop/container-start.sh"])
    .withEnvironment({
      CLUSTER_ID: "4L6g3nShT-eMCtK--X86sw",
      // INTERNAL: the broker talking to itself; HOST: the tests, on the fixed published port.
      KAFKA_ADVERTISED_LISTENERS: `INTERNAL://localhost:9092,HOST://${host}:${port}`,
      KAFKA_ADMIN_PASSWORD: credentials.admin.password,
      ...Object.fromEntries(kafkaPrincipals.filter((p) => p !== "admin").map((p) => [`KAFKA_PASSWORD_${p.toUpperCase()}`, credentials[p].password])),
      KAFKA_HEAP_OPTS: "-Xmx512m -Xms256m",
    })
    .withExposedPorts({ container: 9094, host: port })
    .withStartupTimeout(120_000)
    .start();
}

function startSchemaRegistry(credentials: RegistryCredentials): Promise<StartedTestContainer> {
  // In-memory storage (the image's default); never restarted, so a random host port is fine.
  // Writes need the admin credential, reads the reader's (infra/src/registry-credentials.ts).
  return new GenericContainer(containerImages.schemaRegistry)
    .withEnvironment(registryAuthEnvironment(credentials))
    // Health is on the management interface, 9000 (since Apicurio 3.2; 8080 answers 404 there).
    .withExposedPorts(8080, 9000)
    .withWaitStrategy(Wait.forHttp("/health/ready", 9000).forStatusCode(200))
    .withStartupTimeout(120_000)
    .start();
}

function startPostgres(port: number, adminPassword: string, durable: boolean): Promise<StartedTestContainer> {
  return new PostgreSqlContainer(containerImages.postgres)
    .withUsername(adminRole)
    .withPassword(adminPassword)
    .withDatabase("postgres")
    // As docker-compose.yml: SCRAM passwords on every connection, the container's own socket included.
    .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: "scram-sha-256", POSTGRES_INITDB_ARGS: "--auth-local=scram-sha-256 --auth-host=scram-sha-256" })
    .withExposedPorts({ container: 5432, host: port })
    // As the native test cluster: room for six services' pools; fsync off unless asked for a
    // durable one, because only an OS crash could lose data that way, and tests run several times faster.
    .withCommand(["postgres", "-c", "max_connections=300", ...(durable ? [] : ["-c", "fsync=off", "-c", "full_page_writes=off"])])
    .start();
}

const brokersOf = (state: ContainerState) => [`${state.host}:${state.kafka.port}`];
const schemaRegistryUrlOf = (state: ContainerState) => `http://${state.host}:${state.schemaRegistry.port}/apis/ccompat/v7`;
const databaseUrlOf = (state: ContainerState, name: string, role?: string) =>
  roleUrl(state.host, state.postgres.port, name, role ?? ownerOf(name, state.postgres.passwords), state.postgres.passwords);

/** The Environment over running containers; works in any process that has the state. */
export function containerEnvironment(state: ContainerState): Environment {
  return {
    kind: "containers",
    description: [
      `containers (Docker) on ${state.host}`,
      `  Kafka ${state.kafka.image} (KRaft) at ${brokersOf(state).join(",")} (container ${shortId(state.kafka.containerId)})`,
      `  Apicurio Registry ${state.schemaRegistry.image} at ${schemaRegistryUrlOf(state)} (container ${shortId(state.schemaRegistry.containerId)})`,
      `  PostgreSQL ${state.postgres.image} at ${state.host}:${state.postgres.port} (container ${shortId(state.postgres.containerId)}), databases: ${state.postgres.databases.join(", ")}`,
    ].join("\n"),
    brokers: brokersOf(state),
    kafkaCredentials: (principal) => state.kafka.credentials[principal],
    personalDataEnv: (service) => personalDataEnv(service, state.personalDataSecrets),
    schemaRegistryUrl: schemaRegistryUrlOf(state),
    schemaRegistry: { url: schemaRegistryUrlOf(state), auth: state.schemaRegistry.credentials.reader },
    schemaRegistryAdmin: { url: schemaRegistryUrlOf(state), auth: state.schemaRegistry.credentials.admin },
    databaseUrl: (name, role) => databaseUrlOf(state, name, role),

    async stopBroker({ kill = false } = {}) {
      const client = await getContainerRuntimeClient();
      const container = client.container.getById(state.kafka.containerId);
      if (kill) {
        // SIGKILL, a crash; `wait` returns once the container has really stopped.
        await container.kill({ signal: "SIGKILL" }).catch(unless(409)); // 409: not running
        await container.wait({ condition: "not-running" });
      } else {
        // SIGTERM: controlled shutdown. Docker sends SIGKILL if it takes longer than 30 s.
        await client.container.stop(container, { timeout: 30_000 });
      }
    },

    async startBroker() {
      const client = await getContainerRuntimeClient();
      // Same container: same data volume, same fixed host port, so the same advertised address.
      await client.container.getById(state.kafka.containerId).start().catch(unless(304)); // 304: already running
      await waitForBroker(state);
    },

    async restartDatabase() {
      const client = await getContainerRuntimeClient();
      // The postgres image stops with SIGINT (fast shutdown); the data stays in the container's volume.
      await client.container.restart(client.container.getById(state.postgres.containerId), { timeout: 10_000 });
      await waitFor("PostgreSQL to accept connections after its restart", async () => {
        const db = new Client({ connectionString: databaseUrlOf(state, "postgres"), connectionTimeoutMillis: 1000 });
        try {
          await db.connect();
          await db.query("SELECT 1");
          return true;
        } finally {
          await db.end().catch(() => {});
        }
      }, { timeoutMs: 30_000, intervalMs: 100 });
    },

    stop: () => removeContainers(state),
  };
}

/** Resolves once the broker answers a metadata request; fails early if its container exited. */
async function waitForBroker(state: ContainerState): Promise<void> {
  const client = await getContainerRuntimeClient();
  const container = client.container.getById(state.kafka.containerId);
  const result = await waitFor(`Kafka at ${brokersOf(state)[0]} to answer a metadata request`, async () => {
    if (!(await container.inspect()).State.Running) return "exited";
    return (await answersMetadata(brokersOf(state), state.kafka.credentials.admin)) && "ready";
  }, { timeoutMs: 90_000, intervalMs: 250 });
  if (result === "exited") {
    let logs = "";
    for await (const chunk of await client.container.logs(container, { tail: 30 })) logs += chunk;
    throw new Error(`The Kafka container ${shortId(state.kafka.containerId)} exited during start-up. Its last lines:\n${logs}`);
  }
}

/** Removes the three containers and their volumes; containers already gone are skipped. */
async function removeContainers(state: ContainerState): Promise<void> {
  const client = await getContainerRuntimeClient();
  const ids = [state.kafka.containerId, state.schemaRegistry.containerId, state.postgres.containerId];
  // force: also running ones; v: their volumes (the Kafka log and PostgreSQL data); 404: already gone.
  await Promise.all(ids.map((id) => client.container.getById(id).remove({ force: true, v: true }).catch(unless(404))));
}

const shortId = (id: string) => id.slice(0, 12);

/** A catch handler that swallows one Docker API status code (a no-op request) and rethrows the rest. */
const unless = (statusCode: number) => (error: unknown) => {
  if ((error as { statusCode?: number }).statusCode !== statusCode) throw error;
};
