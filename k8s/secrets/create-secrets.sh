#!/usr/bin/env bash
# Creates the two Secrets the manifests reference but do not ship (no credentials live in git):
#
#   elasticsearch-credentials  elastic-password, kibana-system-password, ingest-password,
#                              kibana-encryption-key   (random, generated here)
#   elasticsearch-certs        ca.crt, tls.crt, tls.key (a private CA + one certificate for all
#                              Elasticsearch nodes, valid for the in-cluster service names)
#
#   k8s/secrets/create-secrets.sh [namespace]      (default: logpipeline)
#
# Needs kubectl (pointing at the target cluster) and openssl. Existing Secrets are left alone
# (delete them first to rotate). Keep the generated CA key if you will issue more certificates:
# set KEEP_DIR=/some/safe/place to keep the files; otherwise they are deleted.
set -euo pipefail

ns=${1:-logpipeline}
work=$(mktemp -d)
trap 'if [[ -z "${KEEP_DIR:-}" ]]; then rm -rf "$work"; fi' EXIT

kubectl get namespace "$ns" >/dev/null 2>&1 || kubectl create namespace "$ns"

if kubectl -n "$ns" get secret elasticsearch-credentials >/dev/null 2>&1; then
    echo "secret $ns/elasticsearch-credentials exists; leaving it"
else
    # Hex: no characters that need escaping in JSON, shells or URLs.
    kubectl -n "$ns" create secret generic elasticsearch-credentials \
        --from-literal=elastic-password="$(openssl rand -hex 24)" \
        --from-literal=kibana-system-password="$(openssl rand -hex 24)" \
        --from-literal=ingest-password="$(openssl rand -hex 24)" \
        --from-literal=kibana-encryption-key="$(openssl rand -hex 32)"
    echo "created secret $ns/elasticsearch-credentials"
    echo "  read the elastic password with:"
    echo "  kubectl -n $ns get secret elasticsearch-credentials -o jsonpath='{.data.elastic-password}' | base64 -d"
fi

if kubectl -n "$ns" get secret elasticsearch-certs >/dev/null 2>&1; then
    echo "secret $ns/elasticsearch-certs exists; leaving it"
else
    cd "$work"
    openssl req -x509 -newkey rsa:3072 -nodes -days 1095 -sha256 \
        -subj "/CN=LogPipeline Elasticsearch CA" -keyout ca.key -out ca.crt 2>/dev/null
    cat > san.cnf <<SAN
subjectAltName = DNS:elasticsearch, DNS:elasticsearch.$ns, DNS:elasticsearch.$ns.svc, DNS:elasticsearch.$ns.svc.cluster.local, DNS:*.elasticsearch-headless, DNS:*.elasticsearch-headless.$ns.svc, DNS:*.elasticsearch-headless.$ns.svc.cluster.local, DNS:localhost, IP:127.0.0.1
extendedKeyUsage = serverAuth, clientAuth
SAN
    openssl req -newkey rsa:3072 -nodes -sha256 -subj "/CN=elasticsearch" \
        -keyout tls.key -out tls.csr 2>/dev/null
    openssl x509 -req -in tls.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 825 -sha256 \
        -extfile san.cnf -out tls.crt 2>/dev/null
    kubectl -n "$ns" create secret generic elasticsearch-certs \
        --from-file=ca.crt --from-file=tls.crt --from-file=tls.key
    echo "created secret $ns/elasticsearch-certs"
    if [[ -n "${KEEP_DIR:-}" ]]; then
        mkdir -p "$KEEP_DIR" && cp ca.crt ca.key tls.crt tls.key "$KEEP_DIR/"
        echo "  CA and certificate kept in $KEEP_DIR"
    fi
fi
