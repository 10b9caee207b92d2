#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark, not a test: RFC 8693 exchanges per second through `tokengate serve`, next to the
# crypto limit measured by `openssl speed` in the same run.
#
# Each exchange verifies one RS256 subject token (the cluster's key, as kube-apiserver signs) and
# signs one ES256 token (the broker's key); `openssl speed` says how many of those pairs the
# machine could do if it did nothing else: 1 / (1/verify_per_s + 1/sign_per_s), on one core and
# on all cores (-multi). wrk posts the same subject token over TLS keep-alive, so TokenReview
# answers come from the broker's 10 s cache; the cluster's API server is the Python STAND-IN
# (Tests/e2e/kube_standin.py) — no real one runs here. Two runs:
#   cached-review   checkPod: false — the broker's own work: parse, verify, policy, sign, log
#   with-pod-get    checkPod: true  — plus one Pod GET per exchange to the (slow, Python) stand-in
# Each run also prints the server's own CPU time per exchange (user + system, from /proc, over the
# measured run): unlike the rates, it hardly moves when other work shares the machine.
#
#   hack/bench-exchange.sh          # ~35 s of measuring
# Environment: DURATION (8s), CONNECTIONS (16), THREADS (1), TOKENGATE_BIN (default: release
# build, built if missing), LOG_LEVEL (info: one structured log line per exchange, to a file),
# PERF_DIR (when set and perf is installed: `perf record -g` of the server during each measured
# run, into PERF_DIR/<run>.perf.data).
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${DURATION:-8s}"
connections="${CONNECTIONS:-16}"
threads="${THREADS:-1}"

for tool in wrk curl python3 openssl; do
  command -v "$tool" >/dev/null || { echo "bench-exchange: $tool is needed (apt-get install wrk curl python3 openssl)" >&2; exit 1; }
done
python3 -c 'import cryptography' 2>/dev/null || { echo "bench-exchange: pip install cryptography (the stand-in mints tokens)" >&2; exit 1; }
bin="${TOKENGATE_BIN:-}"
if [[ -z "$bin" ]]; then
  bin=".build/release/tokengate"
  [[ -x "$bin" ]] || { echo "building a release tokengate (once)..." >&2; swift build -c release --product tokengate >&2; }
fi

work="$(mktemp -d /tmp/tokengate-bench-exchange.XXXXXX)"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

"$bin" certs --service tokengate --namespace bench --out "$work/certs" >/dev/null
"$bin" certs --service kubernetes --namespace default --out "$work/kube" >/dev/null
"$bin" keys generate --alg ES256 --out "$work/signing.pem" >/dev/null
echo "standin-reader-token" >"$work/api-token"

# The stand-in API server: one pod, one RS256 subject token for it (aud = the broker).
PYTHONPATH=Tests/e2e python3 - "$work" <<'PY' &
import sys, time, pathlib
from kube_standin import KubeStandIn
work = pathlib.Path(sys.argv[1])
with KubeStandIn(str(work / "kube/tls.crt"), str(work / "kube/tls.key")) as standin:
    pod = standin.add_pod("payments", "payments-api-6d9f7c8b5-k2x9p", "payments-api", node_name="worker-2")
    (work / "subject-token").write_text(standin.mint(pod, ["https://tokengate.bench/token"], lifetime=3600))
    (work / "standin-url").write_text(standin.url)
    while True:
        time.sleep(3600)
PY
pids+=($!)
for _ in $(seq 100); do [[ -s "$work/standin-url" && -s "$work/subject-token" ]] && break; sleep 0.1; done
standin_url="$(cat "$work/standin-url")"

write_config() {  # checkPod
  cat >"$work/tokengate.yaml" <<YAML
broker:
  issuer: https://tokengate.bench
  audience: https://tokengate.bench/token
  signingKeys: [$work/signing.pem]
  clusters:
    - name: bench
      issuer: $standin_url
      apiServer: $standin_url
      caFile: $work/kube/ca.crt
      tokenFile: $work/api-token
      algorithms: [RS256]
      checkPod: $1
  policy:
    - serviceAccounts: [{namespace: payments, name: payments-api}]
      audiences: [https://ledger.bench]
      maxTTLSeconds: 600
YAML
}

python3 - "$work" <<'PY'
import sys, urllib.parse, pathlib
work = pathlib.Path(sys.argv[1])
form = urllib.parse.urlencode({
    "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
    "subject_token": (work / "subject-token").read_text().strip(),
    "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
    "audience": "https://ledger.bench",
})
(work / "form").write_text(form)
(work / "post.lua").write_text(f'''
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
local f = io.open("{work / 'form'}", "rb"); wrk.body = f:read("*all"); f:close()
''')
PY

cpu_ticks() {  # pid -> user+system CPU clock ticks the process has used so far
  awk '{print $14 + $15}' "/proc/$1/stat"
}

run() {  # name checkPod -> prints "rps p99_ms non2xx server_cpu_us_per_exchange"
  write_config "$2"
  local port; port="$(free_port)"
  "$bin" serve --listen "127.0.0.1:$port" --tls-cert "$work/certs/tls.crt" --tls-key "$work/certs/tls.key" \
    --config "$work/tokengate.yaml" --log-format json --log-level "${LOG_LEVEL:-info}" >"$work/$1.log" 2>&1 &
  local pid=$!
  pids+=($pid)
  for _ in $(seq 100); do curl -s --cacert "$work/certs/ca.crt" "https://localhost:$port/healthz" -o /dev/null && break; sleep 0.1; done
  local status
  status="$(curl -sS -o "$work/$1.first" -w '%{http_code}' --cacert "$work/certs/ca.crt" -H 'Content-Type: application/x-www-form-urlencoded' \
    --data-binary "@$work/form" "https://localhost:$port/token")"
  [[ "$status" == 200 ]] || { echo "bench-exchange: the first exchange answered $status: $(cat "$work/$1.first")" >&2; tail -5 "$work/$1.log" >&2; exit 1; }
  wrk -t"$threads" -c"$connections" -d2s -s "$work/post.lua" "https://127.0.0.1:$port/token" >/dev/null  # warm-up
  local perf_pid=""
  if [[ -n "${PERF_DIR:-}" ]] && command -v perf >/dev/null; then  # a CPU profile of the server during the measured run
    mkdir -p "$PERF_DIR"
    perf record -q -F 999 -g -p "$pid" -o "$PERF_DIR/$1.perf.data" -- sleep "${duration%s}" >/dev/null 2>&1 &
    perf_pid=$!
  fi
  local ticks_before ticks_after
  ticks_before="$(cpu_ticks "$pid")"
  wrk -t"$threads" -c"$connections" -d"$duration" --latency -s "$work/post.lua" "https://127.0.0.1:$port/token" >"$work/$1.wrk"
  ticks_after="$(cpu_ticks "$pid")"
  [[ -z "$perf_pid" ]] || wait "$perf_pid" 2>/dev/null || true
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  python3 - "$work/$1.wrk" "$((ticks_after - ticks_before))" "$(getconf CLK_TCK)" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
ticks, hz = int(sys.argv[2]), int(sys.argv[3])
requests = int(re.search(r"(\d+) requests in", text).group(1))
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
m = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\b", text, re.M)
p99 = float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
print(rps, p99, errors.group(1) if errors else 0, round(ticks / hz / max(requests, 1) * 1e6))
PY
}

read -r cached_rps cached_p99 cached_bad cached_cpu < <(run cached-review false)
read -r pod_rps pod_p99 pod_bad pod_cpu < <(run with-pod-get true)

speed() {  # extra openssl args -> "rsa_verify_per_s ecdsa_sign_per_s"
  openssl speed -seconds 2 "$@" rsa2048 ecdsap256 2>/dev/null | python3 -c '
import re, sys
text = sys.stdin.read()
rsa = re.search(r"^rsa\s+2048 bits\s+\S+\s+\S+\s+([\d.]+)\s+([\d.]+)", text, re.M)
ec = re.search(r"256 bits ecdsa \(nistp256\)\s+\S+\s+\S+\s+([\d.]+)\s+([\d.]+)", text)
print(rsa.group(2), ec.group(1))'
}
read -r verify1 sign1 < <(speed)
read -r verifyN signN < <(speed -multi "$(nproc)")

echo "bench-exchange: POST /token (RS256 subject token in, ES256 token out) over TLS keep-alive; wrk -t$threads -c$connections -d$duration; $(nproc) cores"
printf '%-14s %12s %10s %8s %16s\n' run 'exchanges/s' 'p99 ms' non-2xx 'server CPU us/ex'
printf '%-14s %12.0f %10.2f %8s %16s\n' cached-review "$cached_rps" "$cached_p99" "$cached_bad" "$cached_cpu"
printf '%-14s %12.0f %10.2f %8s %16s\n' with-pod-get "$pod_rps" "$pod_p99" "$pod_bad" "$pod_cpu"
python3 - "$cached_rps" "$verify1" "$sign1" "$verifyN" "$signN" <<'PY'
import sys
rps, v1, s1, vn, sn = map(float, sys.argv[1:])
one = 1 / (1 / v1 + 1 / s1)
all_cores = 1 / (1 / vn + 1 / sn)
print(f"openssl speed: RS256 verify {v1:.0f}/s, ES256 sign {s1:.0f}/s on one core -> {one:.0f} pairs/s; "
      f"all cores (-multi) {vn:.0f}/s + {sn:.0f}/s -> {all_cores:.0f} pairs/s")
print(f"ratio cached-review exchanges/s to the all-core crypto limit: {rps / all_cores:.3f} "
      f"({rps / one:.2f}x the one-core limit)")
PY
