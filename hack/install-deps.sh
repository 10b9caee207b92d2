#!/usr/bin/env bash
# Installs what TokenGate needs to build, run and test on Debian (bookworm or later), idempotently.
#   hack/install-deps.sh          build + run dependencies (OpenSSL 3, Jansson, simdjson, SQLite, libpq headers)
#   hack/install-deps.sh --test   also the real clients and servers the test suite talks to
# Needs root (or sudo) for apt-get; does nothing when everything is already there.
set -euo pipefail

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

run_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

build_pkgs=(pkg-config libssl-dev libjansson-dev libsimdjson-dev libsqlite3-dev libpq-dev openssl ca-certificates)
test_pkgs=(curl python3 python3-pip postgresql wrk nginx-light sqlite3 procps iproute2 binutils git)

missing=()
for p in "${build_pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ "$want_test" = 1 ]; then
  for p in "${test_pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  # kubectl (for `kubectl kustomize` in the manifest tests): Debian ships it as kubernetes-client.
  command -v kubectl >/dev/null 2>&1 || missing+=(kubernetes-client)
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  run_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive run_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "$want_test" = 1 ]; then
  # Python test clients: pytest drives the e2e suite; jsonpatch, cryptography and joserfc are the
  # independent implementations that check TokenGate's patches and tokens; kubernetes-validate checks manifests
  # against the Kubernetes OpenAPI schemas and cel-python evaluates the webhooks' matchConditions.
  # Each entry is "pip-requirement:import-name".
  py_pkgs=(pytest:pytest jsonpatch:jsonpatch cryptography:cryptography joserfc:joserfc pyyaml:yaml
           kubernetes-validate==1.37.0:kubernetes_validate cel-python==0.5.0:celpy)
  need_py=()
  for entry in "${py_pkgs[@]}"; do
    python3 -c "import ${entry##*:}" >/dev/null 2>&1 || need_py+=("${entry%%:*}")
  done
  if [ ${#need_py[@]} -gt 0 ]; then
    echo "install-deps: pip installing ${need_py[*]}" >&2
    python3 -m pip install -q "${need_py[@]}" 2>/dev/null \
      || python3 -m pip install -q --break-system-packages "${need_py[@]}"
  fi
fi
