/**
 * The Docker path and the native path run the same versions: docker-compose.yml's images are
 * checked against the versions the native launchers pin (testcontainers derives its images
 * from the same constants), so the two cannot drift apart unnoticed.
 */
import fs from "node:fs";
import path from "node:path";
import { kafkaVersion } from "./kafka";
import { repoRoot } from "./paths";
import { schemaRegistryVersion } from "./schema-registry";

const compose = fs.readFileSync(path.join(repoRoot, "docker-compose.yml"), "utf8");
const images = [...compose.matchAll(/^\s*image:\s*(\S+)\s*$/gm)].map((match) => match[1]);

test("when docker-compose.yml names the Kafka image, then its tag is the native Kafka version", () => {
  expect(images).toContain(`apache/kafka:${kafkaVersion}`);
});

test("when docker-compose.yml names the registry image, then its tag is the native Apicurio version", () => {
  expect(images).toContain(`apicurio/apicurio-registry:${schemaRegistryVersion}`);
});

test("when infra/kafka/pom.xml is used by hand, then its default Kafka version is the pinned one", () => {
  const pom = fs.readFileSync(path.join(repoRoot, "infra", "kafka", "pom.xml"), "utf8");
  expect(pom).toContain(`<kafka.version>${kafkaVersion}</kafka.version>`);
});

test("when infra/schema-registry/pom.xml is used by hand, then its default registry version is the pinned one", () => {
  const pom = fs.readFileSync(path.join(repoRoot, "infra", "schema-registry", "pom.xml"), "utf8");
  expect(pom).toContain(`<registry.version>${schemaRegistryVersion}</registry.version>`);
});
