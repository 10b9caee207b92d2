#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark, not a test: wrk posts the Deployment AdmissionReview fixture over TLS keep-alive to
# three targets, in the same run, with the same certificate, threads, connections and duration:
#   tokengate  TokenGate's /mutate, doing the real projection (parse, decide, patch, log a line)
#   nginx      nginx answering TokenGate's exact response bytes statically: the TLS + HTTP floor
#   go         hack/peer/go-webhook: the Go tutorial webhook (net/http, crypto/tls, encoding/json
#              into map[string]interface{}) doing the same projection; its patch is checked to give
#              the same object as TokenGate's before anything is measured
# Each target is measured twice: under load (wrk -tTHREADS -cCONNECTIONS, for req/s and p99) and on
# one connection (wrk -t1 -c1, for p50: the latency one API server request sees on an idle webhook).
# With ROUNDS > 1 the three targets are measured in turn ROUNDS times; each round's ratios compare
# measurements taken a few seconds apart, and the medians are printed (nginx's own rate swings by a
# third from run to run on a shared machine, so one round is a noisy ratio).
# Prints a table, TokenGate's ratios to nginx and to Go, and TokenGate's RSS after the run.
#
#   hack/bench-mutate.sh            # ~60 s of measuring (3 x (2 s warm-up + DURATION + ONE_CONN_DURATION))
# Environment: ROUNDS (1), DURATION (10s), ONE_CONN_DURATION (5s), CONNECTIONS (32), THREADS (2), PERF_DIR (a perf
# profile of TokenGate's loaded run into PERF_DIR/mutate.perf.data, when perf is installed), TOKENGATE_BIN
# (default: release build, built if missing), LOG_LEVEL (info: TokenGate writes its one log line per
# review, to a file; the Go peer logs nothing per review, so LOG_LEVEL=warning is the like-for-like).
# Needs wrk, nginx, curl, python3 with jsonpatch, go (Debian golang-go): hack/install-deps.sh --test.
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${DURATION:-10s}"
rounds="${ROUNDS:-1}"
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "bench-mutate: ROUNDS must be a positive whole number, not '$rounds'" >&2; exit 2; }
one_conn_duration="${ONE_CONN_DURATION:-5s}"
connections="${CONNECTIONS:-32}"
threads="${THREADS:-2}"
fixture="Tests/Fixtures/admission/deployment-create.mutating.v1.30.json"
# The projection both webhooks are configured with; the fixture's Deployment is app: payments-api.
audience="https://kubernetes.default.svc"
expiration=600
selector_key="app" selector_value="payments-api"

for tool in wrk nginx curl python3 go; do
  command -v "$tool" >/dev/null || { echo "bench-mutate: $tool is needed (apt-get install wrk nginx-light curl golang-go, or hack/install-deps.sh --test)" >&2; exit 1; }
done
python3 -c 'import jsonpatch' 2>/dev/null || { echo "bench-mutate: python3 jsonpatch is needed to check the peer's patch (hack/install-deps.sh --test)" >&2; exit 1; }
bin="${TOKENGATE_BIN:-}"
if [[ -z "$bin" ]]; then
  bin=".build/release/tokengate"
  [[ -x "$bin" ]] || { echo "building a release tokengate (once)..." >&2; swift build -c release --product tokengate >&2; }
fi

work="$(mktemp -d /tmp/tokengate-bench.XXXXXX)"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() { for _ in $(seq 100); do curl -s --cacert "$work/certs/ca.crt" "$1" -o /dev/null && return; sleep 0.1; done; echo "bench-mutate: nothing answers $1" >&2; exit 1; }
# One review through a target, the way the API server sends it; the answer goes to $work/NAME.answer.json.
post_review() { curl -sS --fail --cacert "$work/certs/ca.crt" -H 'Content-Type: application/json' --data-binary "@$fixture" \
  "https://localhost:$2/mutate?timeout=10s" >"$work/$1.answer.json"; }

"$bin" certs --service tokengate --namespace bench --out "$work/certs" >/dev/null
cat >"$work/config.yaml" <<YAML
enable_tokenrequest: true
token_request_audience: $audience
token_request_expiration_seconds: $expiration
tokengate:
  selectors:
    - $selector_key: $selector_value
YAML

start_tokengate() {
  tg_port="$(free_port)"
  "$bin" serve --listen "127.0.0.1:$tg_port" --tls-cert "$work/certs/tls.crt" --tls-key "$work/certs/tls.key" \
    --config "$work/config.yaml" --log-format json --log-level "${LOG_LEVEL:-info}" >"$work/tokengate.log" 2>&1 &
  tg_pid=$!; pids+=("$tg_pid")
  wait_for "https://localhost:$tg_port/healthz"
  post_review tokengate "$tg_port"
  grep -q '"patchType":"JSONPatch"' "$work/tokengate.answer.json" || { echo "bench-mutate: /mutate answered no patch; the benchmark must exercise the mutation" >&2; exit 1; }
}

# Built from the repository's source with the standard library only: GOPROXY=off and the caches in
# $work, so nothing is fetched and nothing is left in the tree.
start_go_peer() {
  (cd hack/peer/go-webhook && GOFLAGS=-mod=mod GOPROXY=off GOCACHE="$work/go/cache" GOPATH="$work/go/path" \
    go build -o "$work/go-webhook" .)
  go_port="$(free_port)"
  "$work/go-webhook" -listen "127.0.0.1:$go_port" -tls-cert "$work/certs/tls.crt" -tls-key "$work/certs/tls.key" \
    -audience "$audience" -expiration-seconds "$expiration" -selector "$selector_key=$selector_value" >"$work/go.log" 2>&1 &
  go_pid=$!; pids+=("$go_pid")
  wait_for "https://localhost:$go_port/healthz"
  post_review go "$go_port"
  python3 hack/bench_mutate.py same-patch "$fixture" "$work/tokengate.answer.json" "$work/go.answer.json"
}

# nginx answers TokenGate's exact bytes, so it measures only TLS, HTTP and the network stack.
start_nginx() {
  grep -q "'" "$work/tokengate.answer.json" && { echo "bench-mutate: the response contains a quote nginx cannot embed" >&2; exit 1; }
  nginx_port="$(free_port)"
  mkdir -p "$work/nginx"
  cat >"$work/nginx/nginx.conf" <<CONF
worker_processes $(nproc);
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 10000000;
  keepalive_timeout 60s;
  client_max_body_size 8m;
  server {
    listen 127.0.0.1:$nginx_port ssl;
    ssl_certificate $work/certs/tls.crt;
    ssl_certificate_key $work/certs/tls.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    location = /mutate { default_type application/json; return 200 '$(cat "$work/tokengate.answer.json")'; }
  }
}
CONF
  nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -g 'daemon off;' &
  pids+=($!)
  for _ in $(seq 100); do curl -sk "https://127.0.0.1:$nginx_port/mutate" -o /dev/null -X POST -d x && break; sleep 0.1; done
  post_review nginx "$nginx_port"
}

# wrk output of round R's loaded run goes to $work/NAME.R.wrk, the one-connection run's to NAME.R.one.wrk.
# For TokenGate it also records the server's CPU ticks over the loaded run (and, with PERF_DIR, a
# `perf record -g` profile of round 1's loaded run into PERF_DIR/mutate.perf.data).
measure() {  # NAME PORT ROUND
  local url="https://127.0.0.1:$2/mutate?timeout=10s"
  wrk -t"$threads" -c"$connections" -d2s -s "$work/post.lua" "$url" >/dev/null  # warm-up
  local perf_pid="" ticks_before=""
  if [[ "$1" == tokengate ]]; then
    ticks_before="$(awk '{print $14 + $15}' "/proc/$tg_pid/stat")"
    if [[ -n "${PERF_DIR:-}" && "$3" == 1 ]] && command -v perf >/dev/null; then
      mkdir -p "$PERF_DIR"
      perf record -q -F 999 -g -p "$tg_pid" -o "$PERF_DIR/mutate.perf.data" -- sleep "${duration%s}" >/dev/null 2>&1 &
      perf_pid=$!
    fi
  fi
  wrk -t"$threads" -c"$connections" -d"$duration" --latency -s "$work/post.lua" "$url" >"$work/$1.$3.wrk"
  if [[ -n "$ticks_before" ]]; then
    echo $(( $(awk '{print $14 + $15}' "/proc/$tg_pid/stat") - ticks_before )) >"$work/$1.$3.ticks"
    [[ -z "$perf_pid" ]] || wait "$perf_pid" 2>/dev/null || true
  fi
  wrk -t1 -c1 -d"$one_conn_duration" --latency -s "$work/post.lua" "$url" >"$work/$1.$3.one.wrk"
}
cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("$fixture", "rb"); wrk.body = f:read("*all"); f:close()
LUA

start_tokengate
start_go_peer
start_nginx
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "$rounds"); do
  measure tokengate "$tg_port" "$round"
  measure nginx "$nginx_port" "$round"
  measure go "$go_port" "$round"
done

echo "bench-mutate: POST $(wc -c <"$fixture")-byte AdmissionReview over TLS keep-alive; wrk -t$threads -c$connections -d$duration," \
  "one connection -t1 -c1 -d$one_conn_duration; $(nproc) cores; load average $load_before before, $(cut -d' ' -f1-3 /proc/loadavg) after"
echo "response size: tokengate $(wc -c <"$work/tokengate.answer.json") bytes, nginx $(wc -c <"$work/nginx.answer.json") bytes," \
  "go $(wc -c <"$work/go.answer.json") bytes"
echo "rounds: $rounds (each target in turn; figures are medians over the rounds)"
python3 hack/bench_mutate.py report "$work" "$rounds" "$(getconf CLK_TCK)" tokengate nginx go
rss() { awk -v what="$2" '$1 == what ":" { printf "%.1f MiB", $2 / 1024 }' "/proc/$1/status"; }
echo "tokengate RSS after the run: $(rss "$tg_pid" VmRSS) (peak $(rss "$tg_pid" VmHWM); issue 11: <= 64 MiB);" \
  "go peer: $(rss "$go_pid" VmRSS) (peak $(rss "$go_pid" VmHWM))"
