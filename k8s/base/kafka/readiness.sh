#!/bin/sh
# Readiness of a Kafka broker (exec probe, kafka-probes ConfigMap): Ready = this broker answers on
# its client port AND is in the in-sync replica set of every partition it holds a replica of.
#
# A restarted broker first replicates what it missed; until it is back in every ISR it stays
# not Ready, so a StatefulSet rolling update does not move on to the next broker and the PDB
# (maxUnavailable: 1) refuses to evict another one: at no time are two replicas of a partition
# out of sync at once because of us (min.insync.replicas=2 of 3 keeps accepting writes).
# Only this broker's own replicas count: a broker that is down elsewhere must not make the
# healthy ones unready (that would empty the bootstrap Service).
#
# kafka-topics.sh is a JVM tool: the container's KAFKA_HEAP_OPTS (the broker's heap) is replaced
# by a small one, and the admin client's timeouts (probe-admin.properties) keep it inside the
# probe's timeoutSeconds. Exit 0 = ready; otherwise the output says why (kubelet records it).
set -u

node=${KAFKA_NODE_ID:?KAFKA_NODE_ID is not set}
bin=${KAFKA_BIN:-/opt/kafka/bin}
here=$(dirname "$0")
config=${KAFKA_PROBE_CONFIG:-$here/probe-admin.properties}
limit=${KAFKA_PROBE_TIMEOUT:-15}

export KAFKA_HEAP_OPTS="-Xms16m -Xmx128m"
export KAFKA_JVM_PERFORMANCE_OPTS="-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto"

# busybox's timeout is in the image; without one, kubelet's timeoutSeconds still ends the probe.
bounded=""
if command -v timeout >/dev/null 2>&1; then
    bounded="timeout $limit"
fi

# --under-replicated-partitions prints only partitions whose ISR is smaller than their replica
# set, one line each: "\tTopic: t\tPartition: 0\tLeader: 1\tReplicas: 1,2,0\tIsr: 1,2\t...".
if ! described=$($bounded "$bin/kafka-topics.sh" --bootstrap-server localhost:9092 \
        --command-config "$config" --describe --under-replicated-partitions); then
    echo "not ready: broker $node did not answer a topic description on localhost:9092"
    exit 1
fi

lagging=$(printf '%s\n' "$described" | awk -F '\t' -v node="$node" '
    function has(list, id,    n, ids, k) {
        n = split(list, ids, ",")
        for (k = 1; k <= n; k++) if (ids[k] == id) return 1
        return 0
    }
    {
        topic = ""; partition = ""; replicas = ""; isr = ""
        for (i = 1; i <= NF; i++) {
            if ($i ~ /^Topic: /) topic = substr($i, 8)
            else if ($i ~ /^Partition: /) partition = substr($i, 12)
            else if ($i ~ /^Replicas: /) replicas = substr($i, 11)
            else if ($i ~ /^Isr: /) isr = substr($i, 6)
        }
        if (partition != "" && has(replicas, node) && !has(isr, node)) printf "%s-%s ", topic, partition
    }')

if [ -n "$lagging" ]; then
    echo "not ready: broker $node is not in sync yet for $lagging"
    exit 1
fi
exit 0
