# SPDX-License-Identifier: Apache-2.0
"""The broker keeps working while its world changes: signing keys rotate, a cluster's JWKS goes
away, its API server hangs, clusters are added by a config reload — all without a restart.

The Kubernetes API servers are STAND-INS (kube_standin.py) on loopback; tokengate is the real
binary, reached over HTTPS.
"""
import json
import signal
import time

from joserfc import jwt
from joserfc.jwk import KeySet

from broker_support import BROKER_AUDIENCE, decode_jwt, wait_for_log


def published_kids(server):
    status, _, raw = server.request("GET", "/keys")
    assert status == 200
    return [key["kid"] for key in json.loads(raw)["keys"]]


def test_signing_key_rotation_without_restart(broker_env, tmp_path):
    prod = broker_env.add_cluster("prod")
    pod = broker_env.pod(prod)
    server = broker_env.start()
    old_kid = broker_env.kid
    status, _, first = broker_env.exchange(server, prod.mint(pod, [BROKER_AUDIENCE]))
    assert status == 200 and decode_jwt(first["access_token"])[0]["kid"] == old_kid

    # Replace the PEM file the way a Secret update does (a new file renamed over the old one).
    staged = tmp_path / "signing" / "next.pem"
    new_kid = broker_env.generate_key(staged)
    staged.replace(broker_env.signing_key)
    wait_for_log(server, lambda e: e.get("message") == "signing keys reloaded" and e.get("signing_kid") == new_kid)

    status, _, second = broker_env.exchange(server, prod.mint(pod, [BROKER_AUDIENCE]))
    assert status == 200
    assert decode_jwt(second["access_token"])[0]["kid"] == new_kid, "the new key signs at once"
    kids = published_kids(server)
    assert kids[0] == new_kid and old_kid in kids, "the old key stays published for tokens it signed"
    status, _, raw = server.request("GET", "/keys")
    keys = KeySet.import_key_set(json.loads(raw))
    for issued in (first, second):  # both verify against /keys alone
        jwt.decode(issued["access_token"], keys, algorithms=["ES256"])
    assert server.process.poll() is None
    assert server.metric('tokengate_broker_reloads_total{what="signing_keys",result="success"}') == 1

    # A broken PEM is refused and the running key keeps signing.
    broker_env.signing_key.write_text("-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n")
    wait_for_log(server, lambda e: e.get("message") == "the new signing keys are unusable; the running keys keep signing")
    status, _, third = broker_env.exchange(server, prod.mint(pod, [BROKER_AUDIENCE]))
    assert status == 200 and decode_jwt(third["access_token"])[0]["kid"] == new_kid


def test_jwks_outage_keeps_cached_keys(broker_env):
    prod = broker_env.add_cluster("prod")
    pod = broker_env.pod(prod)
    server = broker_env.start()
    assert broker_env.exchange(server, prod.mint(pod, [BROKER_AUDIENCE]))[0] == 200  # keys now cached

    prod.discovery_down = True  # discovery and /openid/v1/jwks answer 503 from now on
    time.sleep(1.1)  # past jwksRefetchIntervalSeconds (1 s in this config)
    # An unknown kid makes the broker try a refetch, which fails...
    from kube_standin import SigningKey
    status, _, body = broker_env.exchange(server, prod.mint(pod, [BROKER_AUDIENCE], key=SigningKey.rsa()))
    assert status == 400 and body["error"] == "invalid_request"
    assert server.metric('tokengate_broker_jwks_fetches_total{cluster="prod",document="discovery",result="failure"}') >= 1
    # ...and tokens signed by the cached key keep being exchanged during the outage.
    for _ in range(3):
        status, _, body = broker_env.exchange(server, prod.mint(pod, [BROKER_AUDIENCE]))
        assert status == 200, body
    prod.discovery_down = False


def test_hanging_api_server_gives_503_within_the_timeout_and_server_keeps_serving(broker_env):
    prod = broker_env.add_cluster("prod")
    pod = broker_env.pod(prod)
    server = broker_env.start("--kube-timeout-seconds", "1")
    assert broker_env.exchange(server, prod.mint(pod, [BROKER_AUDIENCE]))[0] == 200

    prod.hang_seconds = 6  # every API call now sleeps before answering
    started = time.monotonic()
    status, headers, body = broker_env.exchange(server, prod.mint(pod, [BROKER_AUDIENCE]))  # a new token: no cached review
    elapsed = time.monotonic() - started
    assert status == 503 and body["error"] == "temporarily_unavailable", body
    assert headers.get("retry-after") == "5" and headers["cache-control"] == "no-store"
    assert "127.0.0.1" not in body["error_description"], "internals stay in the log"
    assert elapsed < 4, f"answered after {elapsed:.1f}s; the API call budget is 1s"
    entry = [e for e in server.logs() if e.get("message") == "token exchange"][-1]
    assert entry["decision"] == "unavailable" and entry["reason"] == "tokenreview_unavailable"
    assert "no complete response within 1s" in entry["detail"]
    # Meanwhile the server answers everything else at once.
    started = time.monotonic()
    assert server.request("GET", "/healthz")[0] == 200
    assert server.request("GET", "/keys")[0] == 200
    assert time.monotonic() - started < 1

    prod.hang_seconds = 0
    status, _, body = broker_env.exchange(server, prod.mint(pod, [BROKER_AUDIENCE]))
    assert status == 200, body
    assert server.metric('tokengate_broker_tokenreviews_total{cluster="prod",result="error"}') >= 1


def test_config_reload_adds_and_removes_a_cluster(broker_env):
    prod = broker_env.add_cluster("prod")
    east = broker_env.add_cluster("east")
    prod_pod, east_pod = broker_env.pod(prod), broker_env.pod(east, "payments-api-east-1")
    server = broker_env.start(names=["prod"])
    status, _, body = broker_env.exchange(server, east.mint(east_pod, [BROKER_AUDIENCE]))
    assert status == 400 and body["error"] == "invalid_request"

    broker_env.write_config(["prod", "east"])  # the poll sees the new content
    wait_for_log(server, lambda e: e.get("message") == "broker configuration reloaded" and e.get("added") == "east")
    status, _, body = broker_env.exchange(server, east.mint(east_pod, [BROKER_AUDIENCE]))
    assert status == 200, body
    assert decode_jwt(body["access_token"])[1]["tokengate.io"]["cluster"] == "east"

    # A broken config is logged and the running settings stay.
    broker_env.config_path.write_text(broker_env.config_text().replace("maxTTLSeconds", "maxTTL"))
    wait_for_log(server, lambda e: e.get("message", "").startswith("the new config is invalid"))
    assert broker_env.exchange(server, east.mint(east_pod, [BROKER_AUDIENCE]))[0] == 200

    # Removing a cluster works the same way.
    broker_env.write_config(["prod"])
    wait_for_log(server, lambda e: e.get("message") == "broker configuration reloaded" and e.get("removed") == "east")
    assert broker_env.exchange(server, east.mint(east_pod, [BROKER_AUDIENCE]))[0] == 400
    assert broker_env.exchange(server, prod.mint(prod_pod, [BROKER_AUDIENCE]))[0] == 200
    assert server.metric('tokengate_broker_reloads_total{what="config",result="failure"}') == 1


def test_sighup_reloads_at_once(broker_env):
    prod = broker_env.add_cluster("prod")
    east = broker_env.add_cluster("east")
    east_pod = broker_env.pod(east)
    server = broker_env.start("--broker-reload-seconds", "3600", names=["prod"])  # no polling during the test
    broker_env.write_config(["prod", "east"])
    time.sleep(1)
    assert broker_env.exchange(server, east.mint(east_pod, [BROKER_AUDIENCE]))[0] == 400, "not polled"
    server.signal(signal.SIGHUP)
    wait_for_log(server, lambda e: e.get("message") == "broker configuration reloaded" and e.get("added") == "east")
    assert broker_env.exchange(server, east.mint(east_pod, [BROKER_AUDIENCE]))[0] == 200
    assert server.process.poll() is None, "SIGHUP does not stop serve"
