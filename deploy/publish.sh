#!/usr/bin/env bash
# Builds usbmeshd for installation, into artifacts/publish/<kind>:
#
#   deploy/publish.sh arm64      framework-dependent linux-arm64 (Raspberry Pi): usbmeshd.dll and its libraries, run
#                                as `dotnet usbmeshd.dll` on an installed .NET 10 runtime (deploy/install-pi.sh)
#   deploy/publish.sh x64        framework-dependent linux-x64, the same shape for a PC with the runtime installed
#   deploy/publish.sh x64-trim   self-contained, trimmed linux-x64: runs without an installed runtime (the daemon
#                                only; the framework-dependent builds carry the usbmesh client in cli/)
#   deploy/publish.sh all        all three
#
# The framework-dependent builds have no app host (UseAppHost=false): an app host is a native launcher per
# platform, and the linux-arm64 one comes from a runtime pack that a machine building for a Pi may not have.
# /usr/bin/dotnet is the launcher instead.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out="$repo/artifacts/publish"
project="$repo/src/UsbMesh.Daemon"
cli="$repo/src/UsbMesh.Cli"

framework_dependent() {
    local rid=$1 kind=$2
    dotnet publish "$project" -c Release -r "$rid" --self-contained false -p:UseAppHost=false -o "$out/$kind"
    # The usbmesh client beside it, in a directory of its own (its dependencies are its own business).
    if [[ -d "$cli" ]]; then
        dotnet publish "$cli" -c Release -r "$rid" --self-contained false -p:UseAppHost=false -o "$out/$kind/cli"
    fi
}

# Trimming analyses the whole program, and the build treats warnings as errors. The trimmer's warnings stay
# visible (they name code that uses reflection) without failing the build: the node was checked to run trimmed
# (docs/PERFORMANCE.md, "Publish size and memory"). The Roslyn trim analyzer repeats them per library at compile
# time, so it is off here. Every JSON the node writes or reads goes through source-generated contexts, so
# reflection-based System.Text.Json stays off, as a trimmed build has it by default.
trimmed() {
    dotnet publish "$project" -c Release -r linux-x64 --self-contained true \
        -p:PublishTrimmed=true \
        -p:EnableTrimAnalyzer=false \
        -p:ILLinkTreatWarningsAsErrors=false \
        -o "$out/x64-trim"
}

case "${1:-}" in
    arm64) framework_dependent linux-arm64 arm64 ;;
    x64) framework_dependent linux-x64 x64 ;;
    x64-trim) trimmed ;;
    all)
        framework_dependent linux-arm64 arm64
        framework_dependent linux-x64 x64
        trimmed
        ;;
    *)
        echo "usage: $0 arm64 | x64 | x64-trim | all" >&2
        exit 2
        ;;
esac

echo "published to $out"
