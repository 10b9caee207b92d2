# SPDX-License-Identifier: Apache-2.0
"""Faults under load (issue 12 §2): the cluster's API server hangs on TokenReview, or is down.

`/token` must answer `503 temporarily_unavailable` with `Retry-After` within its deadline
(`--kube-timeout-seconds`), and `/mutate` and `/validate`, which never call the API server, keep
their latency: admission load runs the whole time and is compared with itself before the fault.

The Kubernetes API server is the STAND-IN (kube_standin.py); tokengate and its clients are real.
"""
import statistics
import threading
import time

import pytest

from broker_support import BROKER_AUDIENCE, BrokerEnv
from fault_support import Load, mutate_request, validate_request

KUBE_TIMEOUT = 1.0  # --kube-timeout-seconds for these servers
DEADLINE = KUBE_TIMEOUT + 1.0  # the 503 within the call's deadline, plus room for a loaded machine


@pytest.fixture
def broker_env(tmp_path, tokengate_server):
    env = BrokerEnv(tmp_path, tokengate_server)
    yield env
    for standin in env.clusters.values():
        standin.hang_seconds = 0
    env.close()  # (a stand-in that went down is shut down again: harmless)


def admission_mix():
    counter = iter(range(10**9))
    lock = threading.Lock()

    def make():
        with lock:
            n = next(counter)
        return mutate_request() if n % 2 else validate_request()
    return make


def admission_latencies(results):
    return [r.seconds for r in results if r.status == 200]


def exchanges_during_fault(env, server, prod, pod, count):
    """`count` exchanges, each with a fresh subject token (so no cached TokenReview answer can
    serve it), 4 at a time; returns [(status, headers, body, seconds)]."""
    out = []
    lock = threading.Lock()
    tokens = [prod.mint(pod, [BROKER_AUDIENCE]) for _ in range(count)]

    def worker(mine):
        for token in mine:
            started = time.monotonic()
            status, headers, body = env.exchange(server, token)
            with lock:
                out.append((status, headers, body, time.monotonic() - started))
    threads = [threading.Thread(target=worker, args=(tokens[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads)
    return out


def check_fault(env, server, prod, pod, break_it):
    # A working exchange first: keys are loaded and the cluster answers.
    status, _, _ = env.exchange(server, prod.mint(pod, [BROKER_AUDIENCE]))
    assert status == 200

    before = Load(server.port, server.ca_path, admission_mix(), threads=2, max_requests=300, max_seconds=30)
    before.start().join()
    assert before.failed() == [], Load.describe(before.failed())
    baseline = admission_latencies(before.results)

    break_it()
    during = Load(server.port, server.ca_path, admission_mix(), threads=2, max_requests=100000, max_seconds=40)
    with during:
        during.wait_for(20)
        fault_began = time.monotonic()
        answers = exchanges_during_fault(env, server, prod, pod, 12)
        fault_ended = time.monotonic()
    overlapping = [r for r in during.results if fault_began <= r.started <= fault_ended]
    assert len(overlapping) >= 10, "admission requests ran while the exchanges waited on the API server"

    # /token: 503 temporarily_unavailable with Retry-After, within the deadline, for every exchange.
    assert len(answers) == 12
    for status, headers, body, seconds in answers:
        assert status == 503, (status, body)
        assert body["error"] == "temporarily_unavailable"
        assert "retry-after" in headers and headers["cache-control"] == "no-store"
        assert seconds < DEADLINE, f"a 503 took {seconds:.2f}s, past the {DEADLINE}s deadline"

    # /mutate and /validate: every one answered, none waited on the API server, latency unchanged.
    assert during.failed() == [], Load.describe(during.failed())
    latencies = admission_latencies(overlapping)
    assert max(latencies) < KUBE_TIMEOUT, f"an admission request took {max(latencies):.2f}s during the fault"
    assert statistics.median(latencies) <= 3 * statistics.median(baseline) + 0.02, (
        f"admission median {statistics.median(latencies) * 1000:.1f} ms during the fault, "
        f"{statistics.median(baseline) * 1000:.1f} ms before")


def test_tokenreview_hanging_gives_503_in_time_and_admission_is_untouched(broker_env):
    prod = broker_env.add_cluster("prod")
    pod = broker_env.pod(prod)
    server = broker_env.start("--kube-timeout-seconds", KUBE_TIMEOUT, "--drain-seconds", "0")

    def hang():
        prod.hang_seconds = 5  # every API call now sleeps past the deadline
    check_fault(broker_env, server, prod, pod, hang)
    assert prod.hanging > 0 or any(path.endswith("/tokenreviews") for _, path in prod.requests)
    prod.hang_seconds = 0
    # The cluster answers again: exchanges are granted again (bounded wait for the back-off).
    deadline = time.monotonic() + 20
    status = None
    while time.monotonic() < deadline and status != 200:
        status, _, _ = broker_env.exchange(server, prod.mint(pod, [BROKER_AUDIENCE]))
        if status != 200:
            time.sleep(0.3)
    assert status == 200


def test_api_server_down_gives_503_in_time_and_admission_is_untouched(broker_env):
    prod = broker_env.add_cluster("prod")
    pod = broker_env.pod(prod)
    server = broker_env.start("--kube-timeout-seconds", KUBE_TIMEOUT, "--drain-seconds", "0")

    def down():
        prod.go_down()  # refused connections, and no answer on the ones already open
    check_fault(broker_env, server, prod, pod, down)
    assert server.process.poll() is None
