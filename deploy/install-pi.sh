#!/usr/bin/env bash
# Installs a UsbMesh node on a Raspberry Pi (Raspberry Pi OS or Debian, arm64) or any Debian-like machine, as root.
# Safe to run again: it upgrades the build and the unit and leaves an existing configuration alone.
#
#   deploy/publish.sh arm64                           # on the build machine: artifacts/publish/arm64
#   scp -r artifacts/publish/arm64 deploy hocon pi:usbmesh/
#   sudo usbmesh/deploy/install-pi.sh --build usbmesh/arm64 [--import] [--dry-run]
#
# What it does:
#   1. the .NET 10 runtime from the distribution's packages (dotnet-runtime-10.0, aspnetcore-runtime-10.0) when the
#      package lists have them, and libusb; it stops and says what to do when they have not
#   2. the system group and user usbmesh
#   3. the build into /opt/usbmesh (replaced whole, so no file of an older build stays)
#   4. the systemd unit, the udev rules, the tmpfiles entry; with --import, vhci-hcd loaded at boot
#   5. /etc/usbmesh/node.conf from hocon/pi-hub.conf (or --config FILE), only if there is none yet
#   6. enables the service and (re)starts it, unless --no-start
set -euo pipefail

usage() {
    cat <<EOF
usage: $0 [--build DIR] [--config FILE] [--import] [--no-start] [--dry-run]
  --build DIR    the framework-dependent build (default: artifacts/publish/arm64 of this repository)
  --config FILE  the configuration installed when /etc/usbmesh/node.conf does not exist (default: hocon/pi-hub.conf)
  --import       this node imports devices into its kernel: load vhci-hcd at boot
  --no-start     install and enable, but do not start or restart the service
  --dry-run      print what would be done, change nothing
EOF
}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
build="$repo/artifacts/publish/arm64"
config="$repo/hocon/pi-hub.conf"
import=false
start=true
dry_run=false

while (($# > 0)); do
    case "$1" in
        --build) build=${2:?--build needs a directory}; shift 2 ;;
        --config) config=${2:?--config needs a file}; shift 2 ;;
        --import) import=true; shift ;;
        --no-start) start=false; shift ;;
        --dry-run) dry_run=true; shift ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
done

prefix=/opt/usbmesh
etc=/etc/usbmesh
runtime_packages=(dotnet-runtime-10.0 aspnetcore-runtime-10.0)

# Every change goes through run, so that --dry-run shows exactly the commands a real run executes.
run() {
    if $dry_run; then
        printf '+'
        printf ' %q' "$@"
        printf '\n'
    else
        "$@"
    fi
}

say() { printf '%s\n' "$*"; }
fail() { printf 'install-pi: %s\n' "$*" >&2; exit 1; }

[[ -f "$build/usbmeshd.dll" ]] || fail "no usbmeshd.dll in $build: build it with deploy/publish.sh arm64 (or pass --build)"
[[ -f "$config" ]] || fail "no configuration $config"
if ! $dry_run && ((EUID != 0)); then
    fail "run as root (sudo), or with --dry-run to see what it would do"
fi

# 1. The runtime. Debian and Raspberry Pi OS have no .NET packages of their own; Ubuntu has them in its archive,
# and Microsoft's package repository has them for some distributions (x64 mostly). Where apt cannot install
# them, the runtime is installed by hand (docs/QUICKSTART.md) and found through /usr/bin/dotnet.
has_runtime() {
    command -v dotnet >/dev/null && dotnet --list-runtimes 2>/dev/null | grep -q "^$1 10\."
}

packages=(libusb-1.0-0)
if ! has_runtime Microsoft.NETCore.App || ! has_runtime Microsoft.AspNetCore.App; then
    if apt-cache show "${runtime_packages[@]}" >/dev/null 2>&1; then
        packages+=("${runtime_packages[@]}")
    elif ! $dry_run; then
        fail "the .NET 10 runtime is not installed and apt has no ${runtime_packages[*]}: install the ASP.NET Core
runtime 10 (it includes the .NET runtime) under /usr/share/dotnet with Microsoft's dotnet-install script, then link
/usr/bin/dotnet to it, as docs/QUICKSTART.md shows; then run this again"
    else
        say "# the .NET 10 runtime is missing and apt has no ${runtime_packages[*]}: a real run stops here"
    fi
fi
missing=()
for package in "${packages[@]}"; do
    # shellcheck disable=SC2016 # ${Status} is a dpkg-query field, not a shell expansion.
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -qx 'install ok installed' || missing+=("$package")
done
if ((${#missing[@]} > 0)); then
    run env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

# 2. The user and group: the node runs as usbmesh; operators in group usbmesh may use its admin socket.
getent group usbmesh >/dev/null || run groupadd --system usbmesh
getent passwd usbmesh >/dev/null || run useradd --system --gid usbmesh --home-dir /var/lib/usbmesh --no-create-home \
    --shell /usr/sbin/nologin --comment "UsbMesh node" usbmesh

# 3. The build, staged beside the old one and swapped in, so a failed copy leaves the old build in place.
run rm -rf "$prefix.new" "$prefix.old"
run cp -r "$build" "$prefix.new"
run chown -R root:root "$prefix.new"
run chmod -R u=rwX,go=rX "$prefix.new"
if [[ -e "$prefix" ]]; then
    run mv "$prefix" "$prefix.old"
fi
run mv "$prefix.new" "$prefix"
run rm -rf "$prefix.old"

# The usbmesh client, when the build carries it: a launcher on PATH for operators (group usbmesh).
if [[ -f "$build/cli/usbmesh.dll" ]]; then
    launcher=$(printf '#!/bin/sh\nexec /usr/bin/dotnet %s/cli/usbmesh.dll "$@"\n' "$prefix")
    if $dry_run; then
        say "+ write /usr/local/bin/usbmesh, a launcher: exec /usr/bin/dotnet $prefix/cli/usbmesh.dll"
    else
        printf '%s\n' "$launcher" > /usr/local/bin/usbmesh
        chmod 0755 /usr/local/bin/usbmesh
    fi
fi

# 4. The unit, udev rules and tmpfiles entry, always the ones of this version; the documentation they point to.
run install -D -m 0644 "$here/systemd/usbmeshd.service" /etc/systemd/system/usbmeshd.service
run install -D -m 0644 "$here/udev/70-usbmesh.rules" /etc/udev/rules.d/70-usbmesh.rules
run install -D -m 0644 "$here/tmpfiles.d/usbmesh.conf" /etc/tmpfiles.d/usbmesh.conf
for doc in QUICKSTART.md SECURITY.md TROUBLESHOOTING.md HOCON.md; do
    if [[ -f "$repo/docs/$doc" ]]; then
        run install -D -m 0644 "$repo/docs/$doc" "/usr/share/doc/usbmesh/$doc"
    fi
done
if $import; then
    run install -D -m 0644 "$here/modules-load.d/usbmesh.conf" /etc/modules-load.d/usbmesh.conf
    run modprobe vhci-hcd
fi
run systemd-tmpfiles --create /etc/tmpfiles.d/usbmesh.conf
run udevadm control --reload
run udevadm trigger --subsystem-match=usb --subsystem-match=platform

# 5. The configuration: never overwritten, since it holds this node's trust list and rules.
if [[ -e "$etc/node.conf" ]]; then
    say "keeping $etc/node.conf"
else
    run install -d -m 0755 "$etc"
    run install -m 0640 -o root -g usbmesh "$config" "$etc/node.conf"
fi

# 6. The service. A configuration error stops it with exit code 2; the journal has the line.
run systemctl daemon-reload
run systemctl enable usbmeshd.service
if $start; then
    run systemctl restart usbmeshd.service
fi

say "installed. The node's id:   journalctl -u usbmeshd | grep 'has id'"
say "its configuration:         $etc/node.conf (trust.peers, exports.rules; then systemctl restart usbmeshd)"
say "devices it may open:       $(basename "$here")/udev/70-usbmesh.rules, installed as /etc/udev/rules.d/70-usbmesh.rules"
say "operators:                 usermod -aG usbmesh <user>, then usbmesh node status"
