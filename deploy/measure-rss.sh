#!/usr/bin/env bash
# Measures a published usbmeshd: its size on disk and its memory running hocon/demo.conf, idle after start and
# after a number of `usbip list` requests on its usbipd endpoint (VmRSS: resident now; VmHWM: the peak).
#
#   deploy/measure-rss.sh artifacts/publish/x64-trim     a self-contained build (runs ./usbmeshd)
#   deploy/measure-rss.sh artifacts/publish/x64          a framework-dependent build (runs dotnet usbmeshd.dll)
#
# Needs the usbip tool (Debian package usbip) for the requests; without it only the idle figures are taken.
set -euo pipefail

dir=${1:?usage: $0 PUBLISH-DIRECTORY [REQUESTS]}
requests=${2:-20}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
state=$(mktemp -d)
log="$state/node.log"

if [[ -x "$dir/usbmeshd" ]]; then
    command=("$dir/usbmeshd")
else
    command=(dotnet "$dir/usbmeshd.dll")
fi

# The demo's own state directory is shared by every demo run; a fresh one keeps runs apart.
"${command[@]}" --config "$repo/hocon/demo.conf" --set "usbmesh.node.state-directory=\"$state\"" >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$state"' EXIT

memory() {
    awk '/^VmRSS|^VmHWM/ { printf "%s %.1f MiB  ", $1, $2 / 1024 } END { print "" }' "/proc/$pid/status"
}

for _ in $(seq 1 100); do
    grep -q 'started with configuration' "$log" && break
    sleep 0.2
done
grep -q 'started with configuration' "$log" || { cat "$log" >&2; exit 1; }

echo "size on disk: $(du -sh "$dir" | cut -f1) ($(find "$dir" -type f | wc -l) files)"
sleep 10
echo "idle 10 s after start: $(memory)"

if command -v usbip >/dev/null; then
    for _ in $(seq 1 "$requests"); do
        usbip --tcp-port 3240 list -r 127.0.0.1 >/dev/null 2>&1
    done
    echo "after $requests usbip list requests: $(memory)"
fi
