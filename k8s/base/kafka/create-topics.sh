#!/usr/bin/env bash
# Creates (idempotently) the pipeline's Kafka topics with explicit partitions, replication and
# min.insync.replicas. Runs in the apache/kafka image (compose "kafka-init", k8s Job "kafka-topics").
# The Kubernetes copy k8s/base/kafka/create-topics.sh must stay identical (a test checks it).
#
#   BOOTSTRAP_SERVERS   (default kafka:9092)
#   TOPIC               (default nginx-access); the dead-letter topic is "${TOPIC}-dlq"
#   PARTITIONS          (default 6)  -- ingest worker replicas must be <= this
#   REPLICATION_FACTOR  (default 1)
#   MIN_INSYNC_REPLICAS (default 1)
#   RETENTION_MS        (default 604800000 = 7 days)
set -euo pipefail

BOOTSTRAP_SERVERS=${BOOTSTRAP_SERVERS:-kafka:9092}
TOPIC=${TOPIC:-nginx-access}
PARTITIONS=${PARTITIONS:-6}
REPLICATION_FACTOR=${REPLICATION_FACTOR:-1}
MIN_INSYNC_REPLICAS=${MIN_INSYNC_REPLICAS:-1}
RETENTION_MS=${RETENTION_MS:-604800000}
KAFKA_BIN=${KAFKA_BIN:-/opt/kafka/bin}

for attempt in $(seq 1 60); do
    if "$KAFKA_BIN/kafka-broker-api-versions.sh" --bootstrap-server "$BOOTSTRAP_SERVERS" >/dev/null 2>&1; then
        break
    fi
    echo "create-topics: waiting for Kafka at $BOOTSTRAP_SERVERS (attempt $attempt)"
    sleep 5
done

for t in "$TOPIC" "$TOPIC-dlq"; do
    "$KAFKA_BIN/kafka-topics.sh" --bootstrap-server "$BOOTSTRAP_SERVERS" --create --if-not-exists \
        --topic "$t" --partitions "$PARTITIONS" --replication-factor "$REPLICATION_FACTOR" \
        --config "min.insync.replicas=$MIN_INSYNC_REPLICAS" \
        --config "retention.ms=$RETENTION_MS" \
        --config "compression.type=producer"
    # Topic already existed: make sure the durability setting is what we expect.
    "$KAFKA_BIN/kafka-configs.sh" --bootstrap-server "$BOOTSTRAP_SERVERS" --alter \
        --entity-type topics --entity-name "$t" \
        --add-config "min.insync.replicas=$MIN_INSYNC_REPLICAS"
done

"$KAFKA_BIN/kafka-topics.sh" --bootstrap-server "$BOOTSTRAP_SERVERS" --describe --topic "$TOPIC"
echo "create-topics: done"
