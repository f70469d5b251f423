import { topicSpecs, topicsConsumedBy } from "@shop/contracts";
import { aclsFor, describeAcl, type AclBinding } from "./kafka-acls";

const rulesOf = (acls: AclBinding[], service: string) => acls.filter((acl) => acl.principal === `User:${service}`).map(describeAcl).sort();

test("when the ACLs are generated from small tables, then the producer writes its topic, and a consumer reads its topics with its group and writes their DLQs", () => {
  const acls = aclsFor({
    topicSpecs: { orders: { producer: "order" }, payments: { producer: "payment" } } as never,
    topicsConsumedBy: { order: ["payments"], payment: ["orders"] } as never,
  });

  expect(rulesOf(acls, "payment")).toEqual([
    "User:payment READ GROUP payment",
    "User:payment READ GROUP payment.*",
    "User:payment READ TOPIC orders",
    "User:payment WRITE TOPIC orders.dlq",
    "User:payment WRITE TOPIC payments",
  ]);
  expect(rulesOf(acls, "order")).toEqual([
    "User:order READ GROUP order",
    "User:order READ GROUP order.*",
    "User:order READ TOPIC payments",
    "User:order WRITE TOPIC orders",
    "User:order WRITE TOPIC payments.dlq",
  ]);
});

test("when the ACLs are generated from the contracts, then each saga topic has exactly one writer, its producer, and only inventory writes catalog", () => {
  const acls = aclsFor({ topicSpecs, topicsConsumedBy });

  for (const [topic, { producer }] of Object.entries(topicSpecs)) {
    const writers = acls.filter((acl) => acl.resourceName === topic && acl.operation === "WRITE").map((acl) => acl.principal);
    expect([topic, writers]).toEqual([topic, [`User:${producer}`]]);
  }
  expect(acls.filter((acl) => acl.resourceName === "catalog" && acl.operation === "WRITE").map((acl) => acl.principal)).toEqual(["User:inventory"]);
});

test("when the ACLs are generated from the contracts, then payment's are exactly its topic, what it consumes, their DLQs and its group", () => {
  expect(rulesOf(aclsFor({ topicSpecs, topicsConsumedBy }), "payment")).toEqual([
    "User:payment READ GROUP payment",
    "User:payment READ GROUP payment.*",
    "User:payment READ TOPIC inventory",
    "User:payment READ TOPIC orders",
    "User:payment READ TOPIC shipments",
    "User:payment WRITE TOPIC inventory.dlq",
    "User:payment WRITE TOPIC orders.dlq",
    "User:payment WRITE TOPIC payments",
    "User:payment WRITE TOPIC shipments.dlq",
  ]);
});

test("when the ACLs are generated, then no rule is wildcard, none names the cluster, and none is for admin (a super user needs none)", () => {
  const acls = aclsFor({ topicSpecs, topicsConsumedBy });

  expect(acls.filter((acl) => acl.resourceName === "*" || acl.principal === "User:admin" || acl.principal === "User:*")).toEqual([]);
  expect(new Set(acls.map((acl) => acl.resourceType))).toEqual(new Set(["TOPIC", "GROUP"]));
});

test("when the ACLs are generated from the contracts, then only order writes datakeys and only email and warehouse read it: inventory, payment and analytics have no access", () => {
  const acls = aclsFor({ topicSpecs, topicsConsumedBy }).filter((acl) => acl.resourceType === "TOPIC" && acl.resourceName === "datakeys");

  expect(acls.map(describeAcl).sort()).toEqual(["User:email READ TOPIC datakeys", "User:order WRITE TOPIC datakeys", "User:warehouse READ TOPIC datakeys"]);
});
