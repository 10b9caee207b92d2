# SPDX-License-Identifier: Apache-2.0
"""The driver behind hack/soak.sh (read its header for what is measured and the verdict).

Starts the stand-in API server (in this process, on loopback), `tokengate serve` with a broker and
an SQLite audit trail, measures the maximum of the mix with an unthrottled wrk, then runs one
paced wrk per minute and prints a row per minute. Everything it starts it stops.
"""
import argparse
import glob
import json
import os
import re
import signal
import socket
import sqlite3
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "Tests" / "e2e"))
from kube_standin import KubeStandIn  # noqa: E402

ISSUER = "https://tokengate.soak"
AUDIENCE = ISSUER + "/token"
LEDGER = "https://ledger.soak"
MIX = ["deployment"] * 4 + ["pod"] * 4 + ["workflow"] * 2 + ["token"] * 4 + ["metrics"]


def run(*args, **kw):
    return subprocess.run([str(a) for a in args], check=True, capture_output=True, text=True, **kw)


def workflow_review() -> dict:
    path = sorted(glob.glob(str(REPO / "Tests/Fixtures/openunison-workflows/*.yaml")))
    for p in path:
        for doc in yaml.safe_load_all(open(p)):
            if doc and doc.get("kind") == "Workflow":
                return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
                    "uid": "soak-workflow-1",
                    "kind": {"group": "openunison.tremolo.io", "version": doc["apiVersion"].split("/")[1],
                             "kind": "Workflow"},
                    "resource": {"group": "openunison.tremolo.io", "version": "v1", "resource": "workflows"},
                    "name": doc["metadata"]["name"], "namespace": doc["metadata"].get("namespace", "openunison"),
                    "operation": "CREATE", "userInfo": {"username": "alice"}, "object": doc, "oldObject": None,
                    "dryRun": False, "options": {"kind": "CreateOptions", "apiVersion": "meta.k8s.io/v1"}}}
    raise SystemExit("soak: no Workflow fixture found")


def lua_string(data: bytes) -> str:
    return '"' + "".join(f"\\{b}" for b in data) + '"'


def write_lua(work: Path, token_form: str) -> Path:
    admission = REPO / "Tests/Fixtures/admission"
    bodies = {
        "deployment": ("/mutate", "application/json", (admission / "openunison-deployment-create.mutating.json").read_bytes()),
        "pod": ("/mutate", "application/json", (admission / "pod-kube-api-access-create.mutating.json").read_bytes()),
        "workflow": ("/validate", "application/json", json.dumps(workflow_review()).encode()),
        "token": ("/token", "application/x-www-form-urlencoded", token_form.encode()),
    }
    for name, (_, _, body) in bodies.items():
        (work / f"{name}.body").write_bytes(body)
    entries = []
    for name in MIX:
        if name == "metrics":
            entries.append('wrk.format("GET", "/metrics")')
        else:
            path, ctype, _ = bodies[name]
            entries.append(f'wrk.format("POST", "{path}?timeout=10s", {{["Content-Type"]="{ctype}"}}, '
                           f'read_file("{work / (name + ".body")}"))')
    script = work / "soak.lua"
    script.write_text("""
local function read_file(path) local f = assert(io.open(path, "rb")); local d = f:read("*all"); f:close(); return d end
local requests = {}
local index = 0
local pause = tonumber(os.getenv("SOAK_DELAY_MS") or "0")
function init(args)
  requests = {""" + ",\n    ".join(entries) + """}
  index = math.random(#requests) - 1
end
function request()
  index = index % #requests + 1
  return requests[index]
end
if pause > 0 then
  function delay() return pause end
end
""")
    return script


def parse_wrk(text: str) -> dict:
    def duration_ms(value: str) -> float:
        number, unit = re.match(r"([\d.]+)(us|ms|s|m)", value).groups()
        return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]

    requests = int(re.search(r"(\d+) requests in", text).group(1))
    non2xx = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", text)) else 0
    socket = 0
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text):
        socket = sum(int(x) for x in m.groups())
    p50 = duration_ms(re.search(r"\n\s+50%\s+(\S+)", text).group(1))
    p99 = duration_ms(re.search(r"\n\s+99%\s+(\S+)", text).group(1))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    return {"requests": requests, "errors": non2xx + socket, "non2xx": non2xx, "socket": socket,
            "p50": p50, "p99": p99, "rps": rps}


class Server:
    def __init__(self, bin_path, work: Path, config: Path, db: Path):
        with socket.socket() as probe:  # a free loopback port (the log level hides "listening")
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.log_path = work / "serve.log"
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [bin_path, "serve", "--listen", f"127.0.0.1:{self.port}", "--tls-cert", work / "certs/tls.crt",
             "--tls-key", work / "certs/tls.key", "--config", config, "--audit-db", db,
             "--log-format", "json", "--log-level", "warning", "--drain-seconds", "0"],
            stdout=self.log, stderr=subprocess.STDOUT)
        self.ctx = ssl.create_default_context(cafile=str(work / "certs/ca.crt"))
        deadline = time.monotonic() + 30
        while True:
            if self.process.poll() is not None:
                raise SystemExit(f"soak: tokengate serve exited:\n{self.log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(self.url("/readyz"), context=self.ctx, timeout=5):
                    break
            except (OSError, urllib.error.URLError):
                if time.monotonic() > deadline:
                    self.process.kill()
                    self.process.wait(timeout=10)
                    raise SystemExit("soak: tokengate serve did not become ready")
                time.sleep(0.1)

    def url(self, path):
        return f"https://localhost:{self.port}{path}"

    def metrics(self) -> dict:
        with urllib.request.urlopen(self.url("/metrics"), context=self.ctx, timeout=10) as response:
            text = response.read().decode()
        values = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                series, _, value = line.rpartition(" ")
                values[series] = float(value)
        return values

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def fds(self) -> int:
        return len(os.listdir(f"/proc/{self.process.pid}/fd"))


def audit_rows(db: Path) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10) as conn:
        return conn.execute("SELECT count(*) FROM tokengate_audit_events").fetchone()[0]


def decisions(metrics: dict) -> tuple[int, int]:
    """(exchanges, admission decisions) as the server counts them."""
    exchanges = sum(v for k, v in metrics.items() if k.startswith("tokengate_token_exchanges_total"))
    admissions = sum(v for k, v in metrics.items()
                     if k.startswith("tokengate_http_requests_total{")
                     and ('route="/mutate"' in k or 'route="/validate"' in k) and 'code="200"' in k)
    return int(exchanges), int(admissions)


def wrk(url, script, seconds, connections, threads, delay_ms) -> dict:
    env = {**os.environ, "SOAK_DELAY_MS": f"{delay_ms:.3f}"}
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s",
                          "-s", str(script), url], capture_output=True, text=True, env=env, timeout=seconds + 60)
    if out.returncode != 0:
        raise SystemExit(f"soak: wrk failed: {out.stderr}")
    return parse_wrk(out.stdout)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--minutes", type=int, default=10)
    args = parser.parse_args()
    connections = int(os.environ.get("CONNECTIONS", "16"))
    threads = int(os.environ.get("THREADS", "2"))
    fraction = float(os.environ.get("RATE_FRACTION", "0.8"))
    measure = int(os.environ.get("MEASURE_SECONDS", "5" if args.minutes == 1 else "10"))

    work = Path(tempfile.mkdtemp(prefix="tokengate-soak."))
    keep = False
    server = None
    standin = None
    try:
        run(args.bin, "certs", "--service", "tokengate", "--namespace", "soak", "--out", work / "certs")
        run(args.bin, "certs", "--service", "kubernetes", "--namespace", "default", "--out", work / "kube")
        run(args.bin, "keys", "generate", "--alg", "ES256", "--out", work / "signing.pem")
        (work / "api-token").write_text("standin-reader-token\n")
        standin = KubeStandIn(str(work / "kube/tls.crt"), str(work / "kube/tls.key")).__enter__()
        pod = standin.add_pod("payments", "payments-api-6d9f7c8b5-k2x9p", "payments-api", node_name="worker-2")
        subject = standin.mint(pod, [AUDIENCE], lifetime=3600 + args.minutes * 60)
        config = work / "tokengate.yaml"
        config.write_text(f"""enable_tokenrequest: true
token_request_audience: https://kubernetes.default.svc
token_request_expiration_seconds: 600
broker:
  issuer: {ISSUER}
  audience: {AUDIENCE}
  signingKeys: [{work / 'signing.pem'}]
  clusters:
    - name: soak
      issuer: {standin.url}
      apiServer: {standin.url}
      caFile: {work / 'kube/ca.crt'}
      tokenFile: {work / 'api-token'}
      checkPod: false
  policy:
    - serviceAccounts: [{{namespace: payments, name: payments-api}}]
      audiences: [{LEDGER}]
      maxTTLSeconds: 600
""")
        token_form = urllib.parse.urlencode({
            "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange", "subject_token": subject,
            "subject_token_type": "urn:ietf:params:oauth:token-type:jwt", "audience": LEDGER})
        script = write_lua(work, token_form)
        db = work / "audit.db"
        server = Server(args.bin, work, config, db)
        # One of each by hand first: a soak of refusals would prove nothing.
        for name, path, ctype in [("token", "/token", "application/x-www-form-urlencoded"),
                                  ("deployment", "/mutate", "application/json"),
                                  ("workflow", "/validate", "application/json")]:
            req = urllib.request.Request(server.url(path), data=(work / f"{name}.body").read_bytes(),
                                         headers={"Content-Type": ctype})
            with urllib.request.urlopen(req, context=server.ctx, timeout=15) as response:
                body = response.read()
            if name == "token" and b"access_token" not in body:
                raise SystemExit(f"soak: the first exchange was refused: {body[:300]!r}")
            if name == "workflow" and b'"allowed":true' not in body:
                raise SystemExit(f"soak: the Workflow review was denied: {body[:300]!r}")
        url = f"https://127.0.0.1:{server.port}"

        print(f"soak: {args.minutes} min, {connections} connections, {threads} wrk threads, mix per 15 requests: "
              "4 mutate Deployment, 4 mutate Pod, 2 validate Workflow, 4 token exchange, 1 metrics", flush=True)
        maximum = wrk(url, script, measure, connections, threads, 0)
        target = maximum["rps"] * fraction
        print(f"soak: measured maximum {maximum['rps']:.0f} req/s over {measure} s "
              f"(errors {maximum['errors']}); target {target:.0f} req/s ({fraction:.0%})", flush=True)
        delay_ms = connections * 1000.0 / target
        for _ in range(2):  # the delay ignores service time: correct it by what two short paced runs reach
            paced = wrk(url, script, 4, connections, threads, delay_ms)
            if paced["rps"] > 0:
                delay_ms = max(0.0, delay_ms * paced["rps"] / target)
        print(f"soak: pacing each connection with a {delay_ms:.2f} ms delay (reached {paced['rps']:.0f} req/s "
              "before the last correction)", flush=True)
        rows = []
        print(f"{'min':>3} {'requests':>9} {'req/s':>7} {'errors':>6} {'p50 ms':>7} {'p99 ms':>7} "
              f"{'RSS MiB':>8} {'fds':>4} {'audit rows':>10}", flush=True)
        samples = []  # (seconds since the soak began, rss KiB, fds)
        began = time.monotonic()
        for minute in range(1, args.minutes + 1):
            env_delay = delay_ms

            def sample_while(wrk_proc):
                while wrk_proc.poll() is None:
                    time.sleep(4.5)
                    if wrk_proc.poll() is None:
                        samples.append((time.monotonic() - began, server.rss_kib(), server.fds()))

            env = {**os.environ, "SOAK_DELAY_MS": f"{env_delay:.3f}"}
            wrk_proc = subprocess.Popen(["wrk", f"-t{threads}", f"-c{connections}", "-d60s", "--latency",
                                         "--timeout", "10s", "-s", str(script), url],
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
            sample_while(wrk_proc)  # under load only: between minutes wrk's connections are closed
            out, err = wrk_proc.communicate(timeout=60)
            if wrk_proc.returncode != 0:
                raise SystemExit(f"soak: wrk failed: {err}")
            result = parse_wrk(out)
            _, rss, fds = samples[-1]
            audit = audit_rows(db)
            result.update(minute=minute, rss=rss, fds=fds, audit=audit)
            rows.append(result)
            print(f"{minute:>3} {result['requests']:>9} {result['rps']:>7.0f} {result['errors']:>6} "
                  f"{result['p50']:>7.2f} {result['p99']:>7.2f} {rss / 1024:>8.1f} {fds:>4} {audit:>10}", flush=True)
            # Pace the next minute: the delay assumed no service time; correct it by what was reached.
            if result["rps"] > 0:
                delay_ms = max(0.0, delay_ms * result["rps"] / target)

        final_metrics = server.metrics()
        exchanges, admissions = decisions(final_metrics)
        server.process.send_signal(signal.SIGTERM)
        code = server.process.wait(timeout=120)
        rows_stored = audit_rows(db)
        # The baseline: the end of the first minute, or the first half of a 1-minute soak.
        settle = 60.0 if args.minutes > 1 else 30.0
        after = [s for s in samples if s[0] >= settle - 1] or samples[-1:]
        base_rss, base_fds = after[0][1], after[0][2]
        last_rss = after[-1][1]
        max_rss = max(s[1] for s in after)
        fd_values = [s[2] for s in after]
        errors = sum(r["errors"] for r in rows)
        total = sum(r["requests"] for r in rows)
        growth = (last_rss - base_rss) / base_rss * 100 if base_rss else 0.0
        reasons = []
        if errors:
            reasons.append(f"{errors} errors ({sum(r['non2xx'] for r in rows)} non-2xx, "
                           f"{sum(r['socket'] for r in rows)} socket errors)")
        if growth >= 5.0:
            reasons.append(f"RSS grew {growth:.1f} % after the first {'minute' if settle == 60 else 'half minute'} "
                           f"({base_rss / 1024:.1f} -> {last_rss / 1024:.1f} MiB)")
        if max(fd_values) - min(fd_values) > 2:
            reasons.append(f"file descriptors moved from {min(fd_values)} to {max(fd_values)}")
        if rows_stored != exchanges + admissions:
            reasons.append(f"audit rows {rows_stored} != exchanges {exchanges} + admission decisions {admissions}")
        if code != 0:
            reasons.append(f"tokengate serve exited {code} on SIGTERM")
        print(f"soak: {total} requests in {args.minutes} min, {errors} errors; RSS {base_rss / 1024:.1f} -> "
              f"{last_rss / 1024:.1f} MiB ({growth:+.1f} %, max {max_rss / 1024:.1f}); fds {min(fd_values)}..{max(fd_values)}; "
              f"audit rows {rows_stored} = exchanges {exchanges} + admission decisions {admissions}"
              f"{'' if rows_stored == exchanges + admissions else ' (NOT EQUAL)'}")
        if reasons:
            print("soak: FAIL: " + "; ".join(reasons))
            print(f"soak: server log kept in {work}/serve.log")
            keep = True
            return 1
        print("soak: PASS")
        return 0
    finally:
        if server is not None and server.process.poll() is None:
            server.process.kill()
            server.process.wait(timeout=10)
        if standin is not None:
            standin.__exit__(None, None, None)
        if not keep:
            subprocess.run(["rm", "-rf", str(work)], check=False)


if __name__ == "__main__":
    sys.exit(main())
