#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Proves the README's two commands on a fresh Debian 12 root that has only the Swift toolchain, as
# the brief asks whenever installation changes (a green CI on a well-stocked machine can hide a
# missing install step):
#   1. a bookworm minbase (debootstrap, cached in $BASE and copied for each proof);
#   2. the host's toolchain bind-mounted READ-ONLY at /opt/swift, with swift.org's documented Debian 12
#      dependencies, plus this workplace's egress CA, pip.conf and package-mirror redirect (the
#      machine's setup, without which no registry answers);
#   3. a clone of this repository's HEAD, then `hack/run-local.sh` until /healthz answers and a review
#      is patched, then `bash .ci/run` with CI=true.
#
#   sudo hack/prove-clean-root.sh            # logs in $WORK/*.log; exit 0 when both commands pass
# Environment: WORK (default /work/clean-root-proof), BASE (default /work/clean-root-base),
# TOOLCHAIN_EXTRA (space-separated directories a stand-in toolchain runs from besides /opt/swift,
# e.g. the other Debian root whose Swift a wrapper at /opt/swift/usr/bin/swift chroots into;
# bind-mounted read-write, since that toolchain builds there).
#
# Safety: the root holds bind mounts of host directories. Nothing is ever deleted while anything is
# mounted below the root (checked with findmnt), deletion never crosses a file system
# (--one-file-system), the toolchain and mirrors are mounted read-only, and every process still
# running inside the root is killed before unmounting. (An earlier, hand-written version of this
# deleted the host's toolchain through a bind mount that a stray server kept busy.)
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
WORK="${WORK:-/work/clean-root-proof}"
BASE="${BASE:-/work/clean-root-base}"
R="$WORK/root"
port=18643
[ "$(id -u)" = 0 ] || { echo "prove-clean-root: run as root (debootstrap, mount, chroot)" >&2; exit 1; }
command -v debootstrap >/dev/null || apt-get install -y -qq debootstrap >/dev/null

mounts_below() { findmnt -rn -o TARGET | awk -v r="$R" 'index($0, r"/") == 1 || $0 == r' | sort -r; }
teardown() {
  # Every process whose root is inside $R, then every mount below $R, deepest first.
  for pid in $(ls /proc | grep -E '^[0-9]+$'); do
    [[ "$(readlink "/proc/$pid/root" 2>/dev/null)" == "$R"* ]] && kill -KILL "$pid" 2>/dev/null || true
  done
  sleep 1
  for _ in 1 2 3; do
    for m in $(mounts_below); do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; done
    [ -z "$(mounts_below)" ] && return 0
    sleep 1
  done
  echo "prove-clean-root: still mounted below $R: $(mounts_below | tr '\n' ' ')" >&2
  return 1
}
remove_root() {
  teardown
  [ -z "$(mounts_below)" ] || { echo "prove-clean-root: refusing to delete $R while something is mounted in it" >&2; exit 1; }
  rm -rf --one-file-system "$R"
}
trap teardown EXIT

mkdir -p "$WORK"
if [ ! -x "$BASE/bin/bash" ]; then
  echo "== debootstrap bookworm minbase into $BASE (once)"
  debootstrap --variant=minbase bookworm "$BASE" http://deb.debian.org/debian >"$WORK/debootstrap.log" 2>&1
fi
[ -d "$R" ] && remove_root
cp -a "$BASE" "$R"

mount -t proc proc "$R/proc"
mount --rbind /sys "$R/sys"; mount --make-rslave "$R/sys"
mount --rbind /dev "$R/dev"; mount --make-rslave "$R/dev"
for dir in /opt/swift /opt/swift-packages; do
  mkdir -p "$R$dir"
  mount --bind "$dir" "$R$dir"
  mount -o remount,bind,ro "$R$dir"
done
for dir in ${TOOLCHAIN_EXTRA:-}; do
  mkdir -p "$R$dir"
  mount --bind "$dir" "$R$dir"
done
cp /etc/resolv.conf "$R/etc/"
[ -f /etc/gitconfig ] && cp /etc/gitconfig "$R/etc/"
[ -f /etc/gitignore ] && cp /etc/gitignore "$R/etc/"
[ -f /etc/pip.conf ] && cp /etc/pip.conf "$R/etc/"
mkdir -p "$R/usr/local/share/ca-certificates"
cp /usr/local/share/ca-certificates/*.crt "$R/usr/local/share/ca-certificates/" 2>/dev/null || true

echo "== the toolchain's own Debian 12 dependencies (swift.org), nothing of TokenGate's"
chroot "$R" /bin/bash -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  binutils-gold libicu-dev libcurl4-openssl-dev libedit-dev libsqlite3-dev libncurses-dev libpython3-dev libxml2-dev \
  pkg-config uuid-dev tzdata git gcc libstdc++-12-dev zlib1g-dev ca-certificates >/dev/null && update-ca-certificates >/dev/null 2>&1'

git clone -q "$repo" "$R/root/tokengate"
[ -d "$repo/../shared" ] && { mkdir -p "$R/root/shared"; cp -r "$repo/../shared/." "$R/root/shared/"; chmod -R a-w "$R/root/shared"; }
env=(HOME=/root PATH=/opt/swift/usr/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
     SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt PIP_CERT=/etc/ssl/certs/ca-certificates.crt
     REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt)
in_root() { chroot "$R" /usr/bin/env -i "${env[@]}" "$@"; }

echo "== command 1: hack/run-local.sh"
in_root LISTEN="127.0.0.1:$port" /bin/bash -c 'cd /root/tokengate && exec bash hack/run-local.sh' >"$WORK/run-local.log" 2>&1 &
served=0
for _ in $(seq 1200); do
  if in_root curl -sf --cacert /root/tokengate/certs/ca.crt "https://localhost:$port/healthz" >/dev/null 2>&1; then served=1; break; fi
  kill -0 $! 2>/dev/null || break
  sleep 1
done
if [ "$served" = 1 ]; then
  in_root /bin/bash -c "cd /root/tokengate && bash hack/send-review.sh Tests/Fixtures/admission/openunison-deployment-create.mutating.json mutate https://localhost:$port" \
    >"$WORK/review.json" 2>&1 || served=0
  grep -q '"patchType":"JSONPatch"' "$WORK/review.json" || served=0
fi
teardown_server() { for pid in $(pgrep -f "serve --listen 127.0.0.1:$port" || true); do kill -INT "$pid" 2>/dev/null || true; done; sleep 2; }
teardown_server
[ "$served" = 1 ] || { echo "run-local: FAILED (see $WORK/run-local.log)"; exit 1; }
echo "run-local: served /healthz and patched the OpenUnison Deployment review"

echo "== command 2: bash .ci/run (CI=true)"
set +e
in_root CI=true /bin/bash -c 'cd /root/tokengate && bash .ci/run' >"$WORK/ci.log" 2>&1
status=$?
set -e
tail -3 "$WORK/ci.log"
echo "ci: exit $status (log: $WORK/ci.log)"
exit "$status"
