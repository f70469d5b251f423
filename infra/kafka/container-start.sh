#!/bin/sh
# Starts the apache/kafka image as the native broker runs (infra/src/kafka.ts, decision 011):
# SASL/SCRAM-SHA-256 on every client listener, SASL/PLAIN with the admin user on the KRaft
# controller listener (bound to localhost), Kafka's own authorizer, admin the only super user.
# The SCRAM users are made when the data volume is formatted, on the first start only.
# Used by docker-compose.yml and by the tests' containers (packages/testkit/src/containers.ts),
# which mount it and run it as the container's command, with these variables:
#   CLUSTER_ID                      fixed, so the data volume keeps matching the cluster
#   KAFKA_ADVERTISED_LISTENERS      e.g. INTERNAL://kafka:9092,HOST://localhost:9094
#   KAFKA_ADMIN_PASSWORD            the admin (and broker) principal's password
#   KAFKA_PASSWORD_<SERVICE>        each service's password, e.g. KAFKA_PASSWORD_ORDER
set -eu

for name in CLUSTER_ID KAFKA_ADVERTISED_LISTENERS KAFKA_ADMIN_PASSWORD KAFKA_PASSWORD_ORDER KAFKA_PASSWORD_INVENTORY \
  KAFKA_PASSWORD_PAYMENT KAFKA_PASSWORD_EMAIL KAFKA_PASSWORD_WAREHOUSE KAFKA_PASSWORD_ANALYTICS; do
  eval "value=\${$name:-}"
  if [ -z "$value" ]; then echo "container-start.sh: $name is not set" >&2; exit 1; fi
done

config=/opt/kafka/config/shop-server.properties
umask 077
cat > "$config" <<PROPERTIES
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@localhost:9093
listeners=INTERNAL://:9092,CONTROLLER://localhost:9093,HOST://:9094
advertised.listeners=$KAFKA_ADVERTISED_LISTENERS
controller.listener.names=CONTROLLER
listener.security.protocol.map=INTERNAL:SASL_PLAINTEXT,HOST:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT
inter.broker.listener.name=INTERNAL
sasl.enabled.mechanisms=SCRAM-SHA-256
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-256
listener.name.internal.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$KAFKA_ADMIN_PASSWORD";
listener.name.host.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$KAFKA_ADMIN_PASSWORD";
listener.name.controller.sasl.enabled.mechanisms=PLAIN
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="$KAFKA_ADMIN_PASSWORD" user_admin="$KAFKA_ADMIN_PASSWORD";
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:admin
log.dirs=/var/lib/kafka/data
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
num.partitions=3
PROPERTIES

# For the healthcheck and for tools run inside the container (kafka-topics.sh --command-config ...).
cat > /opt/kafka/config/admin-client.properties <<PROPERTIES
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-256
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$KAFKA_ADMIN_PASSWORD";
PROPERTIES

scram() { echo "SCRAM-SHA-256=[name=$1,password=$2]"; }
/opt/kafka/bin/kafka-storage.sh format --ignore-formatted -t "$CLUSTER_ID" -c "$config" \
  --add-scram "$(scram admin "$KAFKA_ADMIN_PASSWORD")" \
  --add-scram "$(scram order "$KAFKA_PASSWORD_ORDER")" \
  --add-scram "$(scram inventory "$KAFKA_PASSWORD_INVENTORY")" \
  --add-scram "$(scram payment "$KAFKA_PASSWORD_PAYMENT")" \
  --add-scram "$(scram email "$KAFKA_PASSWORD_EMAIL")" \
  --add-scram "$(scram warehouse "$KAFKA_PASSWORD_WAREHOUSE")" \
  --add-scram "$(scram analytics "$KAFKA_PASSWORD_ANALYTICS")"

exec /opt/kafka/bin/kafka-server-start.sh "$config"
