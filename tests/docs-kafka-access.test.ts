/**
 * The ownership tables in the docs are the ones the Kafka ACLs are generated from (decision 011):
 * docs/kafka-access.md and the README's service table must say what topicSpecs and
 * topicsConsumedBy say, so a change to one without the other fails here.
 */
import fs from "node:fs";
import path from "node:path";
import { services, topics, topicSpecs, topicsConsumedBy, type Service, type Topic } from "@shop/contracts";

const repoRoot = path.resolve(__dirname, "..");
const read = (file: string) => fs.readFileSync(path.join(repoRoot, file), "utf8");

/** The cells of every table row that starts with `first` (a regular expression for the first cell). */
function rows(markdown: string, first: RegExp): string[][] {
  return markdown.split("\n")
    .filter((line) => line.startsWith("|"))
    .map((line) => line.split("|").slice(1, -1).map((cell) => cell.trim()))
    .filter((cells) => first.test(cells[0]!));
}

const names = (cell: string) => cell.split(",").map((name) => name.trim().replaceAll("`", "")).filter(Boolean).sort();
const readersOf = (topic: Topic) => services.filter((service) => topicsConsumedBy[service].includes(topic)).sort();

test("when docs/kafka-access.md's ownership table is read, then each topic's writer and readers are those of topicSpecs and topicsConsumedBy", () => {
  const table = rows(read("docs/kafka-access.md"), /^`[a-z]+`$/).map(([topic, writer, readers]) => [topic!.replaceAll("`", ""), writer, names(readers!)]);

  expect(table).toEqual(Object.values(topics).map((topic) => [topic, topicSpecs[topic].producer, readersOf(topic)]));
});

test("when the README's service table is read, then what each service publishes and consumes is what topicSpecs and topicsConsumedBy say", () => {
  const table = rows(read("README.md"), /^\[[a-z]+\]\(services\//).map(([service, , publishes, consumes]) => {
    const name = /^\[([a-z]+)\]/.exec(service!)![1] as Service;
    return [name, names(publishes!), consumes === "all six" ? [...Object.values(topics)].sort() : names(consumes!)];
  });

  expect(table).toEqual(services.map((service) => [
    service,
    Object.values(topics).filter((topic) => topicSpecs[topic].producer === service).sort(),
    [...topicsConsumedBy[service]].sort(),
  ]));
});
