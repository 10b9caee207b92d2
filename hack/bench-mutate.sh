#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark, not a test: wrk posts the Deployment AdmissionReview fixture over TLS keep-alive to
# TokenGate's /mutate, then, in the same run with the same certificate, connections, threads and
# duration, to nginx answering a static response of the same size over TLS. Prints req/s and
# p99 latency of both and the ratios.
#
#   hack/bench-mutate.sh            # ~25 s of measuring (2 x DURATION + warm-ups)
# Environment: DURATION (10s), CONNECTIONS (32), THREADS (2), TOKENGATE_BIN (default: release
# build, built if missing), LOG_LEVEL (info: TokenGate writes its one log line per review, to a file).
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${DURATION:-10s}"
connections="${CONNECTIONS:-32}"
threads="${THREADS:-2}"
fixture="Tests/Fixtures/admission/deployment-create.mutating.v1.30.json"

for tool in wrk nginx curl python3; do
  command -v "$tool" >/dev/null || { echo "bench-mutate: $tool is needed (apt-get install wrk nginx curl)" >&2; exit 1; }
done
bin="${TOKENGATE_BIN:-}"
if [[ -z "$bin" ]]; then
  bin=".build/release/tokengate"
  [[ -x "$bin" ]] || { echo "building a release tokengate (once)..." >&2; swift build -c release --product tokengate >&2; }
fi

work="$(mktemp -d /tmp/tokengate-bench.XXXXXX)"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

"$bin" certs --service tokengate --namespace bench --out "$work/certs" >/dev/null
# The real mutation: token requests on, and the fixture's Deployment (app: payments-api) selected,
# so every request is parsed, decided and answered with a JSON patch.
cat >"$work/config.yaml" <<'YAML'
enable_tokenrequest: true
token_request_audience: https://kubernetes.default.svc
token_request_expiration_seconds: 600
tokengate:
  selectors:
    - app: payments-api
YAML
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# TokenGate
tg_port="$(free_port)"
"$bin" serve --listen "127.0.0.1:$tg_port" --tls-cert "$work/certs/tls.crt" --tls-key "$work/certs/tls.key" \
  --config "$work/config.yaml" --log-format json --log-level "${LOG_LEVEL:-info}" >"$work/tokengate.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -s --cacert "$work/certs/ca.crt" "https://localhost:$tg_port/healthz" -o /dev/null && break; sleep 0.1; done

# The exact bytes TokenGate answers, served statically by nginx.
curl -sS --cacert "$work/certs/ca.crt" -H 'Content-Type: application/json' --data-binary "@$fixture" \
  "https://localhost:$tg_port/mutate?timeout=10s" >"$work/response.json"
response_bytes="$(wc -c <"$work/response.json")"
grep -q '"patchType":"JSONPatch"' "$work/response.json" || { echo "bench-mutate: /mutate answered no patch; the benchmark must exercise the mutation" >&2; exit 1; }
grep -q "'" "$work/response.json" && { echo "response contains a quote nginx cannot embed" >&2; exit 1; }

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
    location = /mutate { default_type application/json; return 200 '$(cat "$work/response.json")'; }
  }
}
CONF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -g 'daemon off;' &
pids+=($!)
for _ in $(seq 100); do curl -sk "https://127.0.0.1:$nginx_port/mutate" -o /dev/null -X POST -d x && break; sleep 0.1; done
nginx_bytes="$(curl -sk -X POST -H 'Content-Type: application/json' --data-binary "@$fixture" "https://127.0.0.1:$nginx_port/mutate?timeout=10s" | wc -c)"

cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("$fixture", "rb"); wrk.body = f:read("*all"); f:close()
LUA

run() {  # name port -> prints "reqs p99_ms"
  wrk -t"$threads" -c"$connections" -d2s -s "$work/post.lua" "https://127.0.0.1:$2/mutate?timeout=10s" >/dev/null  # warm-up
  wrk -t"$threads" -c"$connections" -d"$duration" --latency -s "$work/post.lua" "https://127.0.0.1:$2/mutate?timeout=10s" >"$work/$1.wrk"
  python3 - "$work/$1.wrk" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
m = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\b", text, re.M)
p99 = float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
socket_errors = re.search(r"Socket errors: (.*)", text)
print(rps, p99, errors.group(1) if errors else 0, "'" + (socket_errors.group(1) if socket_errors else "none") + "'")
PY
}

read -r tg_rps tg_p99 tg_non2xx tg_sock < <(run tokengate "$tg_port")
read -r ng_rps ng_p99 ng_non2xx ng_sock < <(run nginx "$nginx_port")

echo "bench-mutate: POST $(wc -c <"$fixture")-byte AdmissionReview over TLS keep-alive; wrk -t$threads -c$connections -d$duration; $(nproc) cores"
echo "response size: tokengate $response_bytes bytes, nginx $nginx_bytes bytes"
printf '%-10s %12s %10s %10s  %s\n' target 'req/s' 'p99 ms' non-2xx 'socket errors'
printf '%-10s %12.0f %10.2f %10s  %s\n' tokengate "$tg_rps" "$tg_p99" "$tg_non2xx" "$tg_sock"
printf '%-10s %12.0f %10.2f %10s  %s\n' nginx "$ng_rps" "$ng_p99" "$ng_non2xx" "$ng_sock"
python3 -c "import sys; t,n,tp,np_=map(float,sys.argv[1:]); print(f'ratio tokengate/nginx: throughput {t/n:.2f}x, p99 latency {tp/np_:.2f}x')" \
  "$tg_rps" "$ng_rps" "$tg_p99" "$ng_p99"
