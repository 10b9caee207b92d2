#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Fills an audit database (schema made by `tokengate audit migrate`) with N synthetic events over
the last seven days, for hack/bench-review.sh: 70% token exchanges (about 1 in 10 denied, with the
broker's reason words) and 30% admission decisions, over 3 clusters, 40 namespaces and 4,000 pods.
Deterministic (seeded), one transaction.

    python3 hack/bench_review_fill.py DB N
"""
import random
import sqlite3
import sys
import time
import uuid

COLUMNS = ("id, ts_us, kind, decision, reason, cluster, namespace, pod_name, pod_uid, node_name, node_uid, "
           "service_account, service_account_uid, subject_jti, issued_jti, audience, issued_at_us, expires_at_us, "
           "client_address, request_uid, resource_kind, object_name, operation, patch_summary")
DENIALS = ["audience_not_allowed (invalid_target) by policy rule payments", "wrong_audience (invalid_request)",
           "expired (invalid_grant)", "pod_not_found (invalid_grant)", "unknown_issuer (invalid_grant)"]
SKIPS = ["labels match no selector", "opted out with tokengate.io/inject: \"false\"",
         "ReplicaSet owned by a controller (Deployment x)", "namespace tokengate-system is TokenGate's own",
         "already projected (volume tokengate-token)"]


def main(db: str, count: int) -> None:
    rng = random.Random(14)
    now_us = int(time.time() * 1_000_000)
    week = 7 * 24 * 3600 * 1_000_000
    clusters = ["prod", "staging", "edge"]
    namespaces = [f"team-{i:02d}" for i in range(40)]
    pods = [(rng.choice(clusters), ns, f"app-{i:04d}-{uuid.UUID(int=rng.getrandbits(128)).hex[:5]}",
             str(uuid.UUID(int=rng.getrandbits(128))), f"node-{i % 60:02d}", f"sa-{i % 25:02d}", ns)
            for i in range(4000) for ns in [namespaces[i % 40]]]

    def rows():
        for n in range(count):
            ts = now_us - rng.randrange(week)
            event_id = str(uuid.UUID(int=rng.getrandbits(128)))
            cluster, ns, pod, uid, node, sa, _ = rng.choice(pods)
            if rng.random() < 0.7:
                granted = rng.random() < 0.9
                yield (event_id, ts, "token_exchange", "granted" if granted else "denied",
                       "issued" if granted else rng.choice(DENIALS), cluster, ns, pod, uid, node, None, sa, None,
                       f"src-{uid[:8]}-{n % 7}", str(uuid.UUID(int=rng.getrandbits(128))) if granted else None,
                       "https://ledger.example.com", ts if granted else None, ts + 600_000_000 if granted else None,
                       "10.0.0.1:4711", None, None, None, None, None)
            else:
                r = rng.random()
                decision, reason = ("patched", "projected token: audience=https://kubernetes.default.svc expirationSeconds=3600") \
                    if r < 0.5 else ("denied", "serviceAccountName is missing") if r < 0.55 else ("allowed", rng.choice(SKIPS))
                yield (event_id, ts, "admission", decision, reason, cluster, ns, None, None, None, None, None, None,
                       None, None, None, None, None, None, str(uuid.UUID(int=rng.getrandbits(128))),
                       rng.choice(["Deployment", "StatefulSet", "Pod", "ReplicaSet"]), pod.rsplit("-", 1)[0], "CREATE",
                       "3 patch operations: projected token" if decision == "patched" else None)

    with sqlite3.connect(db) as conn:
        marks = ", ".join("?" * len(COLUMNS.split(", ")))
        conn.executemany(f"INSERT INTO tokengate_audit_events ({COLUMNS}) VALUES ({marks})", rows())
    print(f"filled {db} with {count} events", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
