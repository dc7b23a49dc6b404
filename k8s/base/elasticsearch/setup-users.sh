#!/bin/sh
# Runs once per apply (Job "elasticsearch-users", curl image): sets the kibana_system password and
# creates a least-privilege role + user for the ingest worker. Idempotent (PUT/POST upserts).
# Passwords come from the "elasticsearch-credentials" Secret; create-secrets.sh makes them
# hex strings, so they need no JSON escaping.
set -eu
ES=${ES_URL:-https://elasticsearch:9200}
CA=${ES_CA:-/certs/ca.crt}

es() {
    method=$1; path=$2; body=${3:-}
    if [ -n "$body" ]; then
        curl -fsS --max-time 30 --cacert "$CA" -u "elastic:${ELASTIC_PASSWORD}" -X "$method" \
            -H 'Content-Type: application/json' "$ES$path" -d "$body"
    else
        curl -fsS --max-time 30 --cacert "$CA" -u "elastic:${ELASTIC_PASSWORD}" -X "$method" "$ES$path"
    fi
    echo
}

i=0
until es GET "/_cluster/health?wait_for_status=yellow&timeout=10s" >/dev/null 2>&1; do
    i=$((i + 1))
    if [ "$i" -ge 120 ]; then
        echo "setup-users: Elasticsearch did not become available" >&2
        exit 1
    fi
    echo "setup-users: waiting for Elasticsearch ($i)"
    sleep 5
done

es POST /_security/user/kibana_system/_password "{\"password\":\"${KIBANA_SYSTEM_PASSWORD}\"}"

# The ingest worker only appends documents to its data stream.
es PUT /_security/role/logpipeline_ingest '{
  "cluster": ["monitor", "manage_index_templates"],
  "indices": [{
    "names": ["logs-logpipeline.nginx-*"],
    "privileges": ["create_doc", "auto_configure", "view_index_metadata", "read"]
  }]
}'

es POST /_security/user/logpipeline_ingest "{
  \"password\": \"${INGEST_PASSWORD}\",
  \"roles\": [\"logpipeline_ingest\"],
  \"full_name\": \"LogPipeline ingest worker\"
}"
echo "setup-users: done"
