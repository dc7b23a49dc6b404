#!/bin/sh
# Readiness of an Elasticsearch node (exec probe, elasticsearch-probes ConfigMap).
#
# Until it has once succeeded in this container, Ready means "the cluster has reached
# ES_READY_STATUS" (green in the base: every replica allocated, including the copies on this
# node). So a rolling restart, or a node drain held by the PDB (maxUnavailable: 1), waits for
# the restarted node's shards to recover before the next node goes.
# After that, Ready means "this node is in a cluster with an elected master" (cluster health
# answers, whatever its colour). A yellow or red cluster must not take every node out of the
# elasticsearch Service at once: the shards that are fine would stop taking writes too.
# The marker is on the container's own filesystem: every container start waits for the status
# again.
#
# Credentials as for the other clients: the elastic user's password from the Secret (env), passed
# to curl on stdin so it never shows in a process list.
set -eu

url=${ES_PROBE_URL:-https://localhost:9200}
ca=${ES_PROBE_CA:-/usr/share/elasticsearch/config/certs/ca.crt}
marker=${ES_READY_MARKER:-/tmp/logpipeline-ready-once}
status=${ES_READY_STATUS:-green}

query="timeout=1s&master_timeout=2s"
if [ ! -e "$marker" ]; then
    query="wait_for_status=$status&$query"
fi

# -f: 408 (status not reached within timeout) and 503 (no elected master) fail the probe.
if ! printf 'user = "elastic:%s"\n' "${ELASTIC_PASSWORD:?ELASTIC_PASSWORD is not set}" \
        | curl -fsS --max-time 5 --cacert "$ca" -K - -o /dev/null "$url/_cluster/health?$query"; then
    echo "not ready: _cluster/health?$query failed"
    exit 1
fi

if [ ! -e "$marker" ]; then
    : > "$marker"
fi
exit 0
