/**
 * Runs Apicurio Registry natively: its server distribution from Maven Central (fetched and
 * unpacked by `mvn` via infra/schema-registry/pom.xml), started with `java` as a Quarkus fast-jar,
 * storing its schemas in PostgreSQL (the environment's `registry` database, as docker compose
 * does), so that they survive a restart along with the Kafka messages that name their ids. Clients use its Confluent-compatible API at
 * /apis/ccompat/v7, so @kafkajs/confluent-schema-registry works unchanged (see the test beside).
 *
 * Version 3.3.3 is the newest on Maven Central, and the only 3.x whose server archive resolves
 * there (3.3.2 and 3.0.9 lack their parent POM). It is published as `all` tar.gz only (no zip),
 * and is compiled for Java 21, so it needs Java 21+ while Kafka is fine with 17.
 *
 * Writes need the admin credential and reads the reader's (registry-credentials.ts): the users
 * and their roles reach the registry as environment variables, as under docker compose.
 */
import fs from "node:fs";
import path from "node:path";
import { findJava } from "./java";
import { runMaven } from "./maven";
import { cacheDir, repoRoot } from "./paths";
import { assertPortFree } from "./ports";
import { isAlive, spawnDetached, stopProcess, tail } from "./processes";
import { silent, type Progress } from "./progress";
import { basicAuthorization, ensureRegistryCredentials, registryAuthEnvironment } from "./registry-credentials";
import { waitFor } from "./wait";

export const schemaRegistryVersion = "3.3.3";

export interface SchemaRegistryOptions {
  port: number;
  logFile: string;
  /** The environment's credentials (created on first start): the same passwords after a restart. */
  credentialsFile: string;
  /** Its SQL storage: a PostgreSQL database and the role that owns it. */
  storage: { jdbcUrl: string; username: string; password: string };
  /** JVM heap flags; the default suits a few dozen schemas. */
  heap?: string;
  progress?: Progress;
}

const pomFile = path.join(repoRoot, "infra", "schema-registry", "pom.xml");
const installDir = path.join(cacheDir, `apicurio-registry-${schemaRegistryVersion}`);
/** Apicurio Registry 3 is compiled for Java 21; Kafka runs on 17+, so this is what the native infrastructure needs. */
export const minJava = 21;

/** Fetches and unpacks the registry once per version; later calls only look for the jar. */
export async function installSchemaRegistry(progress: Progress = silent): Promise<string> {
  const installed = findRunJar(installDir);
  if (installed) return installed;
  progress(`Fetching Apicurio Registry ${schemaRegistryVersion} with Maven (first run downloads ~160 MB into ~/.m2)`);
  // Unpacked beside, then renamed: a reader (another test worker) never sees half a tree.
  const partial = `${installDir}.${process.pid}.tmp`;
  fs.rmSync(partial, { recursive: true, force: true });
  const args = ["-f", pomFile, "dependency:unpack", `-Dregistry.version=${schemaRegistryVersion}`, `-Dregistry.outputDirectory=${partial}`];
  try {
    await runMaven(args, `Apicurio Registry ${schemaRegistryVersion}`, progress);
    if (!findRunJar(partial)) throw new Error(`quarkus-run.jar not found in the unpacked Apicurio Registry (${partial})`);
  } catch (error) {
    fs.rmSync(partial, { recursive: true, force: true });
    throw error;
  }
  try {
    fs.renameSync(partial, installDir);
  } catch (error) {
    fs.rmSync(partial, { recursive: true, force: true });
    if (!findRunJar(installDir)) throw error; // otherwise another worker finished first: use its copy
  }
  return findRunJar(installDir)!;
}

/** quarkus-run.jar at the top of the unpacked tree or one directory down (the layout has varied between releases). */
function findRunJar(dir: string): string | undefined {
  if (fs.existsSync(path.join(dir, "quarkus-run.jar"))) return path.join(dir, "quarkus-run.jar");
  const entries = fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }) : [];
  const nested = entries.filter((e) => e.isDirectory()).map((e) => path.join(dir, e.name, "quarkus-run.jar"));
  return nested.find((jar) => fs.existsSync(jar));
}

/** JVM and Quarkus settings for a small, quick dev registry (each measured on a 2-core machine). */
function javaArgs(options: SchemaRegistryOptions, runJar: string): string[] {
  return [
    // Schemas are tiny; a small initial heap keeps RSS near 200 MB instead of committing the maximum.
    ...(options.heap ?? "-Xms32m -Xmx256m").split(/\s+/).filter(Boolean),
    // C1 only and the serial GC: quicker start and fewer threads; peak throughput does not matter here.
    "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
    // Class-data sharing archive written on the first clean exit and reused after: ~1 s faster starts.
    "-XX:+AutoCreateSharedArchive", `-XX:SharedArchiveFile=${path.join(path.dirname(runJar), "app-cds.jsa")}`, "-Xlog:cds=off", "-Xlog:cds+dynamic=off",
    `-Dquarkus.http.port=${options.port}`, "-Dquarkus.http.host=127.0.0.1",
    // The management interface (health, metrics) defaults to 0.0.0.0:9000: a second registry would collide.
    "-Dquarkus.management.port=0", "-Dquarkus.management.host=127.0.0.1",
    // The pool opens 20 connections at start by default; one is plenty for a few dozen schemas.
    "-Dapicurio.datasource.jdbc.initial-size=1", "-Dapicurio.datasource.jdbc.min-size=1",
    // A PostgreSQL restart (docs/break-it.md, tests) kills the pooled connections; checked before
    // each use, a dead one is replaced instead of failing the request with a 500.
    "-Dquarkus.datasource.postgresql.jdbc.validate-on-borrow=true",
    // The built-in pattern prints dates like "2026-11+00-23"; times and short categories read better.
    "-Dquarkus.log.console.format=%d{HH:mm:ss,SSS} %-5p [%c{2.}] %s%e%n",
    "-jar", runJar,
  ];
}

export async function startSchemaRegistry(options: SchemaRegistryOptions): Promise<{ pid: number; url: string }> {
  const progress = options.progress ?? silent;
  const java = findJava(minJava, `Apicurio Registry ${schemaRegistryVersion}`);
  await assertPortFree(options.port, "Schema registry");
  const runJar = await installSchemaRegistry(progress);

  fs.mkdirSync(path.dirname(options.logFile), { recursive: true });
  const credentials = ensureRegistryCredentials(options.credentialsFile);
  const url = `http://127.0.0.1:${options.port}/apis/ccompat/v7`;
  progress(`Starting Apicurio Registry ${schemaRegistryVersion} at ${url} (log: ${options.logFile})`);
  const env = { ...process.env, ...registryAuthEnvironment(credentials), ...storageEnvironment(options.storage) };
  const pid = spawnDetached({ command: java, args: javaArgs(options, runJar), env, logFile: options.logFile });
  try {
    // Stops early when the process exits (wrong Java, port taken meanwhile) instead of waiting out the deadline.
    const state = await waitFor(`the schema registry at ${url} to answer`, async () => {
      if (!isAlive(pid)) return "exited";
      // As a service reads: with the reader credential (without one the registry answers 401).
      const headers = { Authorization: basicAuthorization(credentials.reader) };
      const response = await fetch(`${url}/subjects`, { headers, signal: AbortSignal.timeout(2000) });
      return response.status === 200 && "ready";
    }, { timeoutMs: 90_000, intervalMs: 250 });
    if (state === "exited") throw new Error(`The schema registry (pid ${pid}) exited during start-up`);
  } catch (error) {
    await stopProcess(pid, { signal: "SIGKILL" });
    throw new Error(`${(error as Error).message}\n--- last lines of ${options.logFile} ---\n${tail(options.logFile, 30)}`);
  }
  return { pid, url };
}

/** Apicurio 3's SQL storage settings, as docker-compose.yml gives them (environment, not -D flags: the password stays out of `ps`). */
function storageEnvironment(storage: SchemaRegistryOptions["storage"]): Record<string, string> {
  return {
    APICURIO_STORAGE_KIND: "sql",
    APICURIO_STORAGE_SQL_KIND: "postgresql",
    APICURIO_DATASOURCE_URL: storage.jdbcUrl,
    APICURIO_DATASOURCE_USERNAME: storage.username,
    APICURIO_DATASOURCE_PASSWORD: storage.password,
  };
}

/** SIGTERM: clean shutdown (the first one also writes the class-data archive). SIGKILL: a crash. */
export async function stopSchemaRegistry(pid: number, options: { signal?: NodeJS.Signals } = {}): Promise<void> {
  await stopProcess(pid, { signal: options.signal ?? "SIGTERM", graceMs: 20_000 });
}
