#!/bin/sh
# /init of the UsbMesh test initramfs (built by build-initramfs.sh). Runs as PID 1 in the guest.
#
# Kernel command line parameters it reads:
#   usbmesh.cmd=<base64>     shell script to run (base64 of the text; mind the ~2 KiB command line limit)
#   usbmesh.script=<path>    shell script to run, e.g. from a 9p share (/mnt/<tag>/run.sh)
#   usbmesh.net=0            do not configure eth0
# Without either, an interactive shell runs on the console (for use by hand); exiting it powers off.
#
# Every 9p share QEMU offers (-virtfs ...,mount_tag=TAG) is mounted at /mnt/TAG.
# Marker lines for the host side, each on its own line of the serial console:
#   USBMESH-QEMU-READY uptime=<seconds>   the guest is up, the command starts now
#   USBMESH-QEMU-EXIT=<code>              the command ended with <code>; the guest powers off next
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /dev/shm
[ -d /sys/kernel/debug ] && mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
ln -sf /proc/self/fd /dev/fd 2>/dev/null
hostname usbmesh-guest

kv="$(cat /etc/usbmesh/kernel-version)"
while read -r path; do
  insmod "/lib/modules/$kv/$path" 2>/dev/null || echo "usbmesh-init: insmod $path failed" >&2
done < /etc/usbmesh/modules.boot

cmd=""
script=""
net=1
for arg in $(cat /proc/cmdline); do
  case "$arg" in
    usbmesh.cmd=*) cmd="${arg#usbmesh.cmd=}" ;;
    usbmesh.script=*) script="${arg#usbmesh.script=}" ;;
    usbmesh.net=*) net="${arg#usbmesh.net=}" ;;
  esac
done

ip link set lo up
if [ "$net" != 0 ] && [ -e /sys/class/net/eth0 ]; then
  # QEMU user networking: the guest is 10.0.2.15, the host (its loopback) is 10.0.2.2.
  ip link set eth0 up
  ip addr add 10.0.2.15/24 dev eth0
  ip route add default via 10.0.2.2
fi

for tagfile in /sys/bus/virtio/drivers/9pnet_virtio/virtio*/mount_tag; do
  [ -r "$tagfile" ] || continue
  tag="$(tr -d '\000' < "$tagfile")"
  mkdir -p "/mnt/$tag"
  mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=none "$tag" "/mnt/$tag" \
    || echo "usbmesh-init: mounting 9p share $tag failed" >&2
done

if [ -n "$cmd" ]; then
  echo "$cmd" | base64 -d > /tmp/usbmesh-cmd.sh
  script=/tmp/usbmesh-cmd.sh
fi

echo "USBMESH-QEMU-READY uptime=$(cut -d' ' -f1 /proc/uptime)"
if [ -n "$script" ]; then
  cd /root
  sh "$script" < /dev/console
  rc=$?
else
  echo "usbmesh-init: no usbmesh.cmd/usbmesh.script; interactive shell (exit to power off)"
  setsid cttyhack sh
  rc=$?
fi
cd /
sync
for tagfile in /sys/bus/virtio/drivers/9pnet_virtio/virtio*/mount_tag; do
  [ -r "$tagfile" ] && umount "/mnt/$(tr -d '\000' < "$tagfile")" 2>/dev/null
done
echo "USBMESH-QEMU-EXIT=$rc"
poweroff -f
