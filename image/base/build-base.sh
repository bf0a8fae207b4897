#!/usr/bin/env bash
# Builds the image's base offline from Debian packages and prints the path of a docker-save tarball Jib reads
# as `tar://` base (manifest.json + config + gzipped layers):
#   layer 1: debootstrap --variant=minbase + openjdk-17-jre-headless, user servingkit (1000:1000), /work, /mnt/models
#   layer 2: python3 + python3-numpy (Python mode), installed with apt in a copy of layer 1 and stored as the diff
# Needs root and Debian's mirror on the first run; the result is cached under $SERVINGKIT_IMAGE_CACHE (default
# ~/.cache/servingkit-image) keyed by a hash of this folder (package lists, suite, packer), so a rebuild is instant.
# Usage: build-base.sh <link>   (makes <link> a symbolic link to the cached base tarball)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd -P)
link=${1:?usage: build-base.sh <link to the base tarball>}
suite=bookworm
mirror=${SERVINGKIT_DEBIAN_MIRROR:-http://deb.debian.org/debian}
jre_packages=openjdk-17-jre-headless
python_packages="python3 python3-numpy"
uid=1000
key=$( (cat "$here/build-base.sh" "$here/pack_base.py"; echo "$suite $jre_packages $python_packages") | sha256sum | cut -c1-16)
cache=${SERVINGKIT_IMAGE_CACHE:-$HOME/.cache/servingkit-image}/base-$key
mkdir -p "$(dirname "$link")"
if [ -f "$cache/base.tar" ]; then
  echo "base image: cached $cache/base.tar"
  ln -sfn "$cache/base.tar" "$link"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "*** not root: cannot debootstrap the base image; the image is NOT built (run as root, e.g. in CI) ***" >&2
  rm -f "$link"
  exit 0
fi
if ! command -v debootstrap > /dev/null; then
  echo "*** debootstrap is not installed (apt-get install debootstrap): the image is NOT built ***" >&2
  rm -f "$link"
  exit 0
fi
mkdir -p "$cache"
exec 9>"$cache.lock"
flock 9
start=$(date +%s)
jre=$cache/rootfs-jre
python=$cache/rootfs-python
if [ ! -f "$jre/.debootstrapped" ]; then
  rm -rf "$jre"
  debootstrap --variant=minbase --include="$jre_packages" "$suite" "$jre" "$mirror"
  touch "$jre/.debootstrapped"
fi
echo "base image: debootstrap done after $(( $(date +%s) - start )) s"
if [ ! -f "$jre/.done" ]; then
  echo "servingkit:x:$uid:$uid:ServingKit:/work:/usr/sbin/nologin" >>"$jre/etc/passwd"
  echo "servingkit:x:$uid:" >>"$jre/etc/group"
  echo "servingkit:!:19000::::::" >>"$jre/etc/shadow"
  install -d -o $uid -g $uid -m 0775 "$jre/work"
  install -d -m 0755 "$jre/mnt/models"
  rm -rf "$jre"/var/cache/apt/*.bin "$jre"/var/cache/apt/archives/*.deb "$jre"/var/lib/apt/lists/* "$jre"/var/log/* "$jre"/tmp/*
  touch "$jre/.done"
fi
echo "base image: JRE root file system after $(( $(date +%s) - start )) s"
if [ ! -f "$python/.done" ]; then
  rm -rf "$python"
  cp -a "$jre" "$python"
  rm "$python/.done" "$python/.debootstrapped"
  cp /etc/resolv.conf "$python/etc/resolv.conf"
  # shellcheck disable=SC2086  # a package list
  chroot "$python" sh -c "apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $python_packages"
  cp -a "$jre/etc/resolv.conf" "$python/etc/resolv.conf"
  rm -rf "$python"/var/cache/apt/archives/*.deb "$python"/var/cache/apt/*.bin "$python"/var/lib/apt/lists/* "$python"/var/log/* "$python"/tmp/*
  # the JRE layer's logs and caches are gone in both trees, so the diff holds only what python added
  touch "$python/.done"
fi
echo "base image: Python root file system after $(( $(date +%s) - start )) s"
/usr/bin/python3 "$here/pack_base.py" "$jre" "$python" "$cache/base.tar.tmp"
mv "$cache/base.tar.tmp" "$cache/base.tar"
echo "base image: $cache/base.tar ($(du -h "$cache/base.tar" | cut -f1)) after $(( $(date +%s) - start )) s"
ln -sfn "$cache/base.tar" "$link"
