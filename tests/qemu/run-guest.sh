#!/usr/bin/env bash
# Boots the installed Debian kernel with the UsbMesh test initramfs under QEMU and runs one command in it.
#
# Usage: run-guest.sh [options] [-- extra qemu arguments]
#   -c, --cmd TEXT         shell script text to run in the guest (passed base64 on the kernel command line)
#   -s, --script PATH      guest path of a script to run, e.g. /mnt/work/run.sh from a --share
#   --share DIR[:TAG[:ro]] share a host directory over 9p; the guest mounts it at /mnt/TAG (default TAG: host)
#   --host-root            share the host's / read-only as tag hostroot (/mnt/hostroot; see usbmesh-hostroot)
#   --qmp PATH             QMP server on the unix socket PATH (device_add/device_del for hotplug)
#   --hostfwd RULE         QEMU user-net hostfwd rule, e.g. tcp:127.0.0.1:5555-:3240 (repeatable)
#   --xhci                 add a qemu-xhci controller (bus xhci.0) for -device usb-* arguments
#   --device ARGS          add -device ARGS (repeatable), e.g. --device usb-kbd
#   --memory MB            guest memory (default 512)
#   --timeout SEC          hard limit after which QEMU is killed (default $USBMESH_QEMU_TIMEOUT or 120)
#   --append TEXT          extra kernel command line
#   --no-net               no network device
#   --print-cmd            print the QEMU command line and exit
# Without --cmd/--script the guest gives an interactive shell on the console (Ctrl-A X quits QEMU).
#
# Env: USBMESH_QEMU_ACCEL (tcg | kvm | auto; default tcg — nested KVM on the dev machine cannot boot the
# kernel), USBMESH_QEMU_SMP (default 1), USBMESH_QEMU_TIMEOUT, USBMESH_QEMU_BIN, plus build-initramfs.sh's.
#
# The guest prints "USBMESH-QEMU-READY ..." before the command and "USBMESH-QEMU-EXIT=<code>" after it.
# The exit code of this script is QEMU's (0 after a clean poweroff; 124/137 when the timeout killed it).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

cmd="" script="" memory=512 timeout_s="${USBMESH_QEMU_TIMEOUT:-120}" append="" net=1 xhci=0 print_cmd=0 qmp=""
shares=() hostfwds=() devices=() extra=()
while (($# > 0)); do
  case "$1" in
    -c|--cmd) cmd="$2"; shift 2 ;;
    -s|--script) script="$2"; shift 2 ;;
    --share) shares+=("$2"); shift 2 ;;
    --host-root) shares+=("/:hostroot:ro"); shift ;;
    --qmp) qmp="$2"; shift 2 ;;
    --hostfwd) hostfwds+=("$2"); shift 2 ;;
    --xhci) xhci=1; shift ;;
    --device) devices+=("$2"); shift 2 ;;
    --memory) memory="$2"; shift 2 ;;
    --timeout) timeout_s="$2"; shift 2 ;;
    --append) append="$2"; shift 2 ;;
    --no-net) net=0; shift ;;
    --print-cmd) print_cmd=1; shift ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,27p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "run-guest: unknown option $1" >&2; exit 2 ;;
  esac
done

qemu="${USBMESH_QEMU_BIN:-qemu-system-x86_64}"
command -v "$qemu" >/dev/null || { echo "run-guest: $qemu not found (apt install qemu-system-x86)" >&2; exit 3; }

built="$("$here/build-initramfs.sh")"
kernel="$(sed -n 's/^kernel=//p' <<<"$built")"
initramfs="$(sed -n 's/^initramfs=//p' <<<"$built")"

kvm_usable() { [[ -r /dev/kvm && -w /dev/kvm ]]; }
accel="${USBMESH_QEMU_ACCEL:-tcg}"
if [[ "$accel" == auto ]]; then
  # KVM only when it really boots this kernel to the READY marker within 20 s; the result is cached.
  probe_file="${USBMESH_QEMU_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/usbmesh-qemu}/kvm-probe-$(basename "$kernel")"
  if [[ ! -s "$probe_file" ]]; then
    result=tcg
    if kvm_usable && USBMESH_QEMU_ACCEL=kvm "${BASH_SOURCE[0]}" --no-net --timeout 20 --cmd 'true' 2>/dev/null \
        | grep -q '^USBMESH-QEMU-EXIT=0'; then
      result=kvm
    fi
    echo "$result" > "$probe_file"
  fi
  accel="$(cat "$probe_file")"
fi
case "$accel" in
  kvm) accel_args=(-accel kvm -cpu host) ;;
  tcg) accel_args=(-accel tcg,thread=multi -cpu max) ;;
  *) echo "run-guest: USBMESH_QEMU_ACCEL must be tcg, kvm or auto" >&2; exit 2 ;;
esac

kcmd="console=ttyS0 panic=-1 quiet loglevel=3"
[[ -n "$cmd" ]] && kcmd+=" usbmesh.cmd=$(printf '%s\n' "$cmd" | base64 -w0)"
[[ -n "$script" ]] && kcmd+=" usbmesh.script=$script"
((net == 0)) && kcmd+=" usbmesh.net=0"
[[ -n "$append" ]] && kcmd+=" $append"
if ((${#kcmd} > 2000)); then
  echo "run-guest: kernel command line too long (${#kcmd} > 2000); put the script in a --share and use --script" >&2
  exit 2
fi

args=(-machine q35 "${accel_args[@]}" -smp "${USBMESH_QEMU_SMP:-1}" -m "$memory"
  -kernel "$kernel" -initrd "$initramfs" -append "$kcmd" -no-reboot)
if [[ -t 0 && -t 1 ]]; then
  args+=(-nographic)                                   # interactive: serial + monitor on the terminal
else
  args+=(-display none -monitor none -serial stdio)    # tests: serial console on stdout only
fi
# QMP is a separate channel; the human monitor stays where it is (terminal or none) and is still reachable
# through QMP's human-monitor-command.
[[ -n "$qmp" ]] && args+=(-qmp "unix:$qmp,server=on,wait=off")
if ((net)); then
  netdev="user,id=n0"
  for rule in "${hostfwds[@]}"; do netdev+=",hostfwd=$rule"; done
  # romfile= : no iPXE option ROM needed (the kernel drives the NIC), so ipxe-qemu need not be installed.
  args+=(-netdev "$netdev" -device virtio-net-pci,netdev=n0,romfile=)
fi
i=0
for share in "${shares[@]}"; do
  IFS=: read -r dir tag mode <<<"$share"
  tag="${tag:-host}"
  [[ -d "$dir" ]] || { echo "run-guest: share $dir is not a directory" >&2; exit 2; }
  ro=""; [[ "$mode" == ro ]] && ro=",readonly=on"
  args+=(-fsdev "local,id=fs$i,path=$dir,security_model=none,multidevs=remap$ro" -device "virtio-9p-pci,fsdev=fs$i,mount_tag=$tag")
  i=$((i + 1))
done
((xhci)) && args+=(-device qemu-xhci,id=xhci)
for d in "${devices[@]}"; do args+=(-device "$d"); done
args+=("${extra[@]}")

if ((print_cmd)); then printf '%q ' "$qemu" "${args[@]}"; echo; exit 0; fi
echo "run-guest: accel=$accel kernel=$kernel timeout=${timeout_s}s" >&2
# exec: the caller's process is timeout(1), whose child is QEMU; SIGTERM at the limit, SIGKILL 5 s later.
exec timeout --foreground --kill-after=5 "$timeout_s" "$qemu" "${args[@]}"
