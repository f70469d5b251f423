import type { KafkaCredentials, KafkaPrincipal } from "@shop/infra";

/**
 * One running set of infrastructure for tests: a Kafka broker, a schema registry and a
 * PostgreSQL server. Started once per test run (Jest globalSetup), either as containers
 * (testcontainers, when a Docker engine answers) or as native processes.
 *
 * Every method works from any process of the run (the Jest parent or a worker): the running
 * environment is described by a JSON state file, not by in-memory handles.
 */
export interface Environment {
  kind: "native" | "containers";
  /** What runs where, with versions and addresses, for the test log. */
  description: string;
  /** Kafka bootstrap addresses, e.g. ["127.0.0.1:39092"]. */
  brokers: string[];
  /**
   * A Kafka principal's SASL/SCRAM user and password (decision 011): "admin" for tests and tools
   * (a super user), a service's name for the service processes tests start (its ACLs apply).
   */
  kafkaCredentials(principal: KafkaPrincipal): KafkaCredentials;
  /** The personal-data secrets a service is given (KEKs, email's admin token; decision 014), as environment variables. */
  personalDataEnv(service: string): Record<string, string>;
  /** Confluent-compatible API root, e.g. "http://127.0.0.1:38080/apis/ccompat/v7". */
  schemaRegistryUrl: string;
  /** The registry as a service uses it: the URL and the read-only credential (docs/decisions/012). */
  schemaRegistry: SchemaRegistryAccess;
  /** The same registry with the admin credential: registers schemas, sets compatibility, deletes. */
  schemaRegistryAdmin: SchemaRegistryAccess;
  /**
   * Connection string of one database, password included, as the role that owns it: a service's
   * database (created on start) as the service's own role, e.g. databaseUrl("order"); any other
   * (`postgres`, a test's own) as the admin. `role` connects as another role instead.
   */
  databaseUrl(name: string, role?: string): string;
  /** Stops the broker (graceful, or SIGKILL with { kill: true }); its data is kept. */
  stopBroker(options?: { kill?: boolean }): Promise<void>;
  /** Starts the broker again on the same address and data; resolves once it answers metadata. */
  startBroker(): Promise<void>;
  /** Restarts PostgreSQL (fast shutdown, then start on the same data); resolves once it accepts connections. */
  restartDatabase(): Promise<void>;
  /** Stops everything and removes temporary data. */
  stop(): Promise<void>;
}

/** A registry URL with HTTP basic credentials, as @shop/contracts and the codec take it. */
export interface SchemaRegistryAccess {
  url: string;
  auth: { username: string; password: string };
}

/** The databases created in every environment: one per service (infra's list). */
export { serviceDatabases } from "@shop/infra";
