/**
 * The Kafka ACLs of the saga, generated from the ownership tables of @shop/contracts (decision 011):
 * topicSpecs says who writes each topic, topicsConsumedBy what each service reads. A service may
 * - write the topics it produces, and the dead-letter topic of each topic it consumes (the
 *   consumer, not the producer, parks a failed message: packages/messaging/src/consumer.ts);
 * - read the topics it consumes, with its own consumer group: its name, or its name and a dot
 *   (analytics names one group per read-model build, analytics.<build>).
 * Nothing else: the broker allows nothing without an ACL, except to admin (a super user).
 */
import type { Service, Topic, TopicSpec } from "@shop/contracts";

/** One ALLOW rule, as Kafka stores it (host "*"): principal may do operation on the resource. */
export interface AclBinding {
  principal: `User:${string}`;
  resourceType: "TOPIC" | "GROUP";
  patternType: "LITERAL" | "PREFIXED";
  resourceName: string;
  operation: "READ" | "WRITE";
}

export interface OwnershipTables {
  topicSpecs: Record<Topic, Pick<TopicSpec, "producer">>;
  topicsConsumedBy: Record<Service, readonly Topic[]>;
}

export function aclsFor({ topicSpecs, topicsConsumedBy }: OwnershipTables): AclBinding[] {
  const writes = Object.entries(topicSpecs).map(([topic, { producer }]) => topicAcl(producer, topic, "WRITE"));
  const reads = Object.entries(topicsConsumedBy).flatMap(([service, consumed]) => [
    ...consumed.flatMap((topic) => [topicAcl(service, topic, "READ"), topicAcl(service, `${topic}.dlq`, "WRITE")]),
    { principal: `User:${service}` as const, resourceType: "GROUP" as const, patternType: "LITERAL" as const, resourceName: service, operation: "READ" as const },
    { principal: `User:${service}` as const, resourceType: "GROUP" as const, patternType: "PREFIXED" as const, resourceName: `${service}.`, operation: "READ" as const },
  ]);
  return [...writes, ...reads];
}

function topicAcl(service: string, topic: string, operation: "READ" | "WRITE"): AclBinding {
  return { principal: `User:${service}`, resourceType: "TOPIC", patternType: "LITERAL", resourceName: topic, operation };
}

/** "User:payment WRITE TOPIC payments": one line per binding, for logs and docs. */
export const describeAcl = ({ principal, operation, resourceType, patternType, resourceName }: AclBinding) =>
  `${principal} ${operation} ${resourceType} ${resourceName}${patternType === "PREFIXED" ? "*" : ""}`;
