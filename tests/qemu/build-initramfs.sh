#!/usr/bin/env bash
# Builds the small initramfs the "real kernel" tests boot under QEMU, from the INSTALLED Debian packages
# (linux-image-amd64, busybox-static, usbip), not from the host's running kernel, which differs.
#
# Output: prints two lines, "kernel=<path to vmlinuz>" and "initramfs=<path to cpio.gz>". The image is cached,
# keyed by kernel version and a hash of this script, the guest init and the extra binaries, so it is built once.
#
# Env:
#   USBMESH_QEMU_KERNEL_VERSION  kernel version to use (default: newest /lib/modules/* with a /boot/vmlinuz-*)
#   USBMESH_QEMU_CACHE           cache directory (default: ${XDG_CACHE_HOME:-$HOME/.cache}/usbmesh-qemu)
#   USBMESH_QEMU_EXTRA_BINARIES  space-separated host binaries to add (with their shared libraries, from ldd)
#   USBMESH_QEMU_EXTRA_MODULES   space-separated extra module names loaded at boot (with their dependencies)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
init_src="$here/guest-init.sh"
hostroot_src="$here/usbmesh-hostroot"

die() { echo "build-initramfs: $*" >&2; exit 1; }

# --- Kernel: the installed linux-image, whose modules live in /lib/modules/$kv and image in /boot. -------------
kv="${USBMESH_QEMU_KERNEL_VERSION:-}"
if [[ -z "$kv" ]]; then
  for dir in $(ls -1d /lib/modules/* 2>/dev/null | sort -V -r); do
    candidate="$(basename "$dir")"
    if [[ -r "/boot/vmlinuz-$candidate" && -r "$dir/modules.dep" ]]; then kv="$candidate"; break; fi
  done
fi
[[ -n "$kv" ]] || die "no installed kernel with /boot/vmlinuz-* and /lib/modules/*/modules.dep (apt install linux-image-amd64)"
kernel="/boot/vmlinuz-$kv"
moddir="/lib/modules/$kv"
[[ -r "$kernel" ]] || die "$kernel is not readable"
[[ -r "$moddir/modules.dep" ]] || die "$moddir/modules.dep missing"

busybox="$(command -v busybox || true)"
[[ -x /bin/busybox ]] && busybox=/bin/busybox
[[ -n "$busybox" ]] || die "busybox not found (apt install busybox-static)"
# A dynamically linked busybox would need its libraries too; busybox-static avoids that.
if ldd "$busybox" >/dev/null 2>&1; then die "$busybox is dynamically linked; install busybox-static"; fi
usbip="$(PATH="$PATH:/usr/sbin:/sbin" command -v usbip || true)"
[[ -x "$usbip" ]] || die "usbip not found (apt install usbip)"
usbipd="$(dirname "$usbip")/usbipd"

extra_binaries=("$usbip")
[[ -x "$usbipd" ]] && extra_binaries+=("$usbipd")
for b in ${USBMESH_QEMU_EXTRA_BINARIES:-}; do
  p="$(command -v "$b" || true)"
  [[ -n "$p" ]] || die "extra binary $b not found"
  extra_binaries+=("$p")
done

# Modules loaded at boot, in this order after dependency resolution. The usbip ones (usbip-core, vhci-hcd,
# usbip-host) are only copied: a test loads them itself with `modprobe vhci-hcd`, to prove it can.
boot_modules=(
  virtio virtio_ring virtio_pci virtio_net
  9pnet 9pnet_virtio netfs 9p
  usb-common usbcore xhci-hcd xhci-pci ehci-hcd ehci-pci
  scsi_mod scsi_common sd_mod usb-storage uas
  hid hid-generic usbhid evdev
  crc32c_generic libcrc32c ext4 fat vfat nls_cp437 nls_iso8859-1 nls_utf8
  ${USBMESH_QEMU_EXTRA_MODULES:-}
)
copy_only_modules=(usbip-core vhci-hcd usbip-host usbmon loop)

cache_root="${USBMESH_QEMU_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/usbmesh-qemu}"
key="$(cat "${BASH_SOURCE[0]}" "$init_src" "$hostroot_src" <(printf '%s\n' "${extra_binaries[@]}" "${boot_modules[@]}") \
  <(ls -l --time-style=+%s "$kernel" "$busybox" "${extra_binaries[@]}") | sha256sum | cut -c1-16)"
out_dir="$cache_root/$kv"
out="$out_dir/initramfs-$key.cpio.gz"
if [[ -s "$out" ]]; then
  echo "kernel=$kernel"
  echo "initramfs=$out"
  exit 0
fi

mkdir -p "$out_dir"
work="$(mktemp -d "$out_dir/build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
root="$work/root"

# Merged-/usr layout like Debian 12, so the paths ldd prints (/lib/x86_64-linux-gnu/...) resolve.
mkdir -p "$root"/{usr/bin,usr/sbin,usr/lib,usr/lib64,etc,proc,sys,dev,run,tmp,mnt,root,var/run}
ln -s usr/bin "$root/bin"; ln -s usr/sbin "$root/sbin"; ln -s usr/lib "$root/lib"; ln -s usr/lib64 "$root/lib64"

cp "$busybox" "$root/usr/bin/busybox"
for applet in $("$busybox" --list); do
  [[ "$applet" == busybox ]] && continue
  ln -sf busybox "$root/usr/bin/$applet"
done

# Binaries and the shared libraries ldd reports (copied through symlinks to the real files).
copy_with_libs() {
  local bin="$1" dest
  dest="$root$(realpath -s "$bin" | sed 's#^/bin/#/usr/bin/#; s#^/sbin/#/usr/sbin/#')"
  mkdir -p "$(dirname "$dest")"
  cp -L "$bin" "$dest"
  ldd "$bin" 2>/dev/null | grep -oE '/[^ ]+' | while read -r lib; do
    [[ -e "$root$lib" ]] && continue
    mkdir -p "$(dirname "$root$lib")"
    cp -L "$lib" "$root$lib"
  done
}
for b in "${extra_binaries[@]}"; do copy_with_libs "$b"; done
# usbip prints vendor/product names from usb.ids when it exists; harmless when it does not.
# Debian's usbip reads /usr/share/misc/usb.ids (package usb.ids); put it at both usual places.
for ids in /usr/share/misc/usb.ids /usr/share/hwdata/usb.ids /var/lib/usbutils/usb.ids; do
  if [[ -r "$ids" ]]; then
    mkdir -p "$root/usr/share/misc" "$root/usr/share/hwdata"
    cp -L "$ids" "$root/usr/share/misc/usb.ids"
    ln -s ../misc/usb.ids "$root/usr/share/hwdata/usb.ids"
    break
  fi
done

# --- Modules: resolve names to paths and dependency order with the installed kernel's modules.dep. ----------
declare -A dep_of=() path_of=() builtin=()
while IFS=: read -r path deps; do
  name="$(basename "$path")"; name="${name%%.ko*}"; name="${name//-/_}"
  path_of[$name]="$path"; dep_of[$name]="$deps"
done < "$moddir/modules.dep"
while read -r path; do
  name="$(basename "$path")"; name="${name%%.ko*}"; builtin[${name//-/_}]=1
done < "$moddir/modules.builtin"

declare -A seen=()
ordered=()
visit() { # post-order: dependencies first
  local name="${1//-/_}" dep depname
  [[ -n "${seen[$name]:-}" ]] && return 0
  seen[$name]=1
  if [[ -n "${builtin[$name]:-}" ]]; then return 0; fi
  [[ -n "${path_of[$name]:-}" ]] || die "module $1 is neither in $moddir/modules.dep nor built in"
  for dep in ${dep_of[$name]}; do
    depname="$(basename "$dep")"; depname="${depname%%.ko*}"
    visit "$depname"
  done
  ordered+=("${path_of[$name]}")
}
for m in "${boot_modules[@]}"; do visit "$m"; done
boot_list=("${ordered[@]}")
for m in "${copy_only_modules[@]}"; do visit "$m"; done

mkdir -p "$root/lib/modules/$kv" "$root/etc/usbmesh"
for path in "${ordered[@]}"; do
  mkdir -p "$root/lib/modules/$kv/$(dirname "$path")"
  cp "$moddir/$path" "$root/lib/modules/$kv/$path"
done
for f in modules.builtin modules.builtin.modinfo modules.order; do
  [[ -r "$moddir/$f" ]] && cp "$moddir/$f" "$root/lib/modules/$kv/"
done
# A modules.dep (and aliases) for just the copied subset, so `modprobe vhci-hcd` works in the guest.
depmod="$(PATH="$PATH:/usr/sbin:/sbin" command -v depmod || true)"
if [[ -n "$depmod" ]]; then
  "$depmod" -b "$root" "$kv"
else
  cp "$moddir/modules.dep" "$moddir/modules.alias" "$root/lib/modules/$kv/"
fi
printf '%s\n' "${boot_list[@]}" > "$root/etc/usbmesh/modules.boot"
echo "$kv" > "$root/etc/usbmesh/kernel-version"

cp "$init_src" "$root/init"
chmod 755 "$root/init"
# Runs commands in the host's root shared with run-guest.sh --host-root (dotnet, udevd, libusb).
cp "$hostroot_src" "$root/usr/bin/usbmesh-hostroot"
chmod 755 "$root/usr/bin/usbmesh-hostroot"
echo "root:x:0:0:root:/root:/bin/sh" > "$root/etc/passwd"
echo "root:x:0:" > "$root/etc/group"
printf '127.0.0.1 localhost\n10.0.2.2 host\n' > "$root/etc/hosts"

(cd "$root" && find . -print0 | sort -z | cpio --null --create --format=newc --quiet) | gzip -1 > "$work/initramfs.cpio.gz"
mv -f "$work/initramfs.cpio.gz" "$out"   # atomic: concurrent builders of the same key both end up correct
echo "kernel=$kernel"
echo "initramfs=$out"
