#!/usr/bin/env bash
# Fetches the ingest worker's reference data from npm into <outdir>:
#   regexes.yaml                 from uap-core (Apache-2.0, https://github.com/ua-parser/uap-core)
#   geo-whois-asn-country.mmdb   from @ip-location-db/geo-whois-asn-country-mmdb (CC0-1.0,
#                                https://github.com/sapics/ip-location-db)
# Versions and npm sha512 integrity values are pinned in build/data.lock; a tarball whose integrity
# differs is rejected (exit 1) so a registry or mirror cannot swap the data under us.
# Idempotent: when every file is present and matches the stamp written by the last successful run
# (same pinned versions, same file checksums), nothing is downloaded.
#
#   build/fetch-data.sh <outdir>          e.g. build/fetch-data.sh data
#
# Needs: bash, npm/node (only `npm pack`), tar, sha512sum.
set -euo pipefail

if [[ $# -ne 1 || -z "$1" ]]; then
    echo "usage: $0 <outdir>" >&2
    exit 2
fi

out=$1
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
lock="$here/data.lock"
stamp="$out/.fetch-data.stamp"

mkdir -p "$out"

# The stamp records the lock entries and the sha512 of each extracted file; it is valid only if both match.
expected_stamp() {
    grep -v '^#' "$lock" | grep -v '^[[:space:]]*$' | while read -r name version integrity file; do
        if [[ ! -f "$out/$file" ]]; then
            echo "missing $file"
            continue
        fi
        echo "$name@$version $integrity $file $(sha512sum "$out/$file" | cut -d' ' -f1)"
    done
}

if [[ -f "$stamp" ]] && [[ "$(expected_stamp)" == "$(cat "$stamp")" ]]; then
    echo "fetch-data: $out is up to date"
    exit 0
fi

command -v npm >/dev/null || { echo "fetch-data: npm is required (apt-get install -y npm, or use node:*-slim)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

grep -v '^#' "$lock" | grep -v '^[[:space:]]*$' | while read -r name version integrity file; do
    echo "fetch-data: $name@$version -> $out/$file"
    tgz=$(cd "$work" && npm pack --silent "$name@$version" | tail -n 1)
    # npm's integrity format: "sha512-" + base64 of the raw digest; node is there whenever npm is.
    actual=$(node -e 'const c=require("crypto"),f=require("fs");process.stdout.write("sha512-"+c.createHash("sha512").update(f.readFileSync(process.argv[1])).digest("base64"))' "$work/$tgz")
    if [[ "$actual" != "$integrity" ]]; then
        echo "fetch-data: INTEGRITY MISMATCH for $name@$version" >&2
        echo "  expected $integrity" >&2
        echo "  actual   $actual" >&2
        exit 1
    fi
    mkdir -p "$work/x"
    tar -xzf "$work/$tgz" -C "$work/x" "package/$file"
    mv -f "$work/x/package/$file" "$out/$file.tmp"
    mv -f "$out/$file.tmp" "$out/$file"
done

expected_stamp > "$stamp"
echo "fetch-data: done"
