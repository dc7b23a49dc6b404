#!/usr/bin/env bash
# Publishes the shipper as a Native AOT, self-contained, stripped executable.
# The same script is used by CI (.ci/run) and by src/LogPipeline.Shipper/Dockerfile, so the
# binary in the image is built exactly like the one CI tests.
#
#   build/publish-shipper.sh <output-dir>
#   SHIPPER_RID=linux-arm64 build/publish-shipper.sh out   # native arm64 builder only
#
# Needs: .NET SDK (see global.json), clang and zlib1g-dev (the AOT linker toolchain).
set -euo pipefail

if [[ $# -ne 1 || -z "$1" ]]; then
    echo "usage: $0 <output-dir>" >&2
    exit 2
fi

out=$1
rid=${SHIPPER_RID:-linux-x64}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

dotnet publish "$root/src/LogPipeline.Shipper/LogPipeline.Shipper.csproj" \
    --configuration Release \
    --runtime "$rid" \
    --output "$out" \
    --nologo \
    -p:PublishAot=true \
    -p:StripSymbols=true \
    -p:DebugType=none \
    -p:DebugSymbols=false

if [[ ! -x "$out/logpipeline-shipper" ]]; then
    echo "publish-shipper: $out/logpipeline-shipper was not produced" >&2
    exit 1
fi
echo "publish-shipper: $(du -h "$out/logpipeline-shipper" | cut -f1) $out/logpipeline-shipper ($rid)"
