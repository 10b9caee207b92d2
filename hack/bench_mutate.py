#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Helpers of hack/bench-mutate.sh (kept out of the shell script so both stay readable).

    bench_mutate.py same-patch REVIEW.json TOKENGATE_ANSWER.json PEER_ANSWER.json
        Applies both answers' JSON Patches (python jsonpatch, an implementation neither server
        shares) to the review's object and exits 1, showing both patches, unless they give the
        same object. Objects are compared, not bytes: key order and op encoding may differ.
    bench_mutate.py report WORKDIR ROUNDS CLK_TCK TARGET...
        Reads WORKDIR/TARGET.R.wrk (wrk -tN -cM --latency) and WORKDIR/TARGET.R.one.wrk (wrk -t1
        -c1 --latency) for each target and round R, and prints the table (medians over the
        rounds), the median of each round's ratios of the first target to each other one, and,
        from WORKDIR/tokengate.R.ticks, TokenGate's CPU per review.
"""
import base64
import json
import re
import sys
from statistics import median

UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def patched_object(review, answer_path):
    with open(answer_path) as f:
        response = json.load(f)["response"]
    if response.get("patchType") != "JSONPatch" or "patch" not in response:
        sys.exit(f"bench-mutate: {answer_path} answered no JSON patch: {response}")
    import jsonpatch  # only this subcommand needs it

    ops = json.loads(base64.b64decode(response["patch"], validate=True))
    try:
        return ops, jsonpatch.apply_patch(review["request"]["object"], ops)
    except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as error:
        sys.exit(f"bench-mutate: the patch in {answer_path} does not apply: {error}\n{json.dumps(ops, indent=1)}")


def same_patch(review_path, tokengate_path, peer_path):
    with open(review_path) as f:
        review = json.load(f)
    tokengate_ops, tokengate_object = patched_object(review, tokengate_path)
    peer_ops, peer_object = patched_object(review, peer_path)
    if tokengate_object != peer_object:
        sys.exit("bench-mutate: the peer's patch gives another object than TokenGate's; the peer must do the same "
                 f"projection (hack/peer/go-webhook/main.go)\nTokenGate: {json.dumps(tokengate_ops, indent=1)}\n"
                 f"peer: {json.dumps(peer_ops, indent=1)}")
    print(f"patches agree: {len(tokengate_ops)} operations each, same patched object")


def parse_wrk(path):
    """{'rps', 'p50', 'p99' (ms), 'non2xx', 'socket' {kind: count}} of one wrk --latency output."""
    with open(path) as f:
        text = f.read()
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    if not rps:
        sys.exit(f"bench-mutate: no Requests/sec in {path}:\n{text}")

    def percentile(p):
        m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s|m)\b", text, re.M)
        return float(m[1]) * UNITS_MS[m[2]] if m else float("nan")

    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    errors = re.search(r"Socket errors: (.*)", text)
    socket = {kind: int(n) for kind, n in re.findall(r"(\w+) (\d+)", errors[1])} if errors else {}
    return {"rps": float(rps[1]), "p50": percentile(50), "p99": percentile(99),
            "non2xx": int(non2xx[1]) if non2xx else 0, "socket": socket}


def report(work, rounds, clock_ticks, targets):
    """Per target, the median over the rounds of req/s, p99 and one-connection p50; per pair, the
    median of each round's ratio (both sides measured seconds apart); and TokenGate's server CPU per
    review (its ticks over each loaded run, per request)."""
    runs = {t: [(parse_wrk(f"{work}/{t}.{r}.wrk"), parse_wrk(f"{work}/{t}.{r}.one.wrk")) for r in range(1, rounds + 1)]
            for t in targets}
    rows = {}
    for target, measured in runs.items():
        socket = {k: sum(load["socket"].get(k, 0) + one["socket"].get(k, 0) for load, one in measured)
                  for k in ("connect", "read", "write", "timeout")}
        rows[target] = {"rps": median(load["rps"] for load, _ in measured),
                        "p99": median(load["p99"] for load, _ in measured),
                        "p50_1": median(one["p50"] for _, one in measured),
                        "non2xx": sum(load["non2xx"] + one["non2xx"] for load, one in measured),
                        "socket": ", ".join(f"{k} {n}" for k, n in socket.items() if n) or "0"}
    print(f"{'target':<10} {'req/s':>10} {'p99 ms':>9} {'1-conn p50 ms':>14} {'non-2xx':>8}  socket errors")
    for target, r in rows.items():
        print(f"{target:<10} {r['rps']:>10.0f} {r['p99']:>9.2f} {r['p50_1']:>14.3f} {r['non2xx']:>8}  {r['socket']}")
    first, *others = targets
    for other in others:
        pairs = list(zip(runs[first], runs[other]))
        throughput = [a["rps"] / b["rps"] for (a, _), (b, _) in pairs]
        p99 = [a["p99"] / b["p99"] for (a, _), (b, _) in pairs]
        p50 = [a1["p50"] / b1["p50"] for (_, a1), (_, b1) in pairs]
        each = f" (rounds: {', '.join(f'{x:.2f}' for x in throughput)})" if rounds > 1 else ""
        print(f"ratio {first}/{other}: throughput {median(throughput):.2f}x{each}, p99 latency {median(p99):.2f}x, "
              f"one-connection p50 {median(p50):.2f}x")
    print("(non-2xx and socket errors: every run of a target added up)")
    if first == "tokengate":
        per_review = []
        for r, (load, _) in enumerate(runs[first], start=1):
            with open(f"{work}/tokengate.{r}.wrk") as f:
                requests = int(re.search(r"(\d+) requests in", f.read())[1])
            with open(f"{work}/tokengate.{r}.ticks") as f:
                per_review.append(int(f.read()) / clock_ticks / max(requests, 1) * 1e6)
        print(f"tokengate server CPU per review under load (user + system, /proc): {median(per_review):.0f} us")


if __name__ == "__main__":
    command, *args = sys.argv[1:] or [""]
    if command == "same-patch" and len(args) == 3:
        same_patch(*args)
    elif command == "report" and len(args) >= 4:
        report(args[0], int(args[1]), int(args[2]), args[3:])
    else:
        sys.exit(__doc__)
