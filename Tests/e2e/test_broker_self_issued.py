# SPDX-License-Identifier: Apache-2.0
"""`auth.selfIssued`: TokenGate reaches a remote API server with a short-lived token it signs
itself, and no credential of that cluster is stored anywhere.

The Kubernetes API servers are STAND-INS (kube_standin.py) on loopback. The remote one trusts
TokenGate's issuer the way structured authentication does (`trust_jwt_issuer`): it fetches
TokenGate's real `/keys` over HTTPS and checks signature, `iss`, `aud`, `exp`; it also records
every bearer it is sent. tokengate is the real binary.
"""
import time


from broker_support import BROKER_AUDIENCE, BROKER_ISSUER, BrokerEnv, decode_jwt, wait_for_log

SUBJECT = "tokengate-broker"
USER = "tokengate:" + SUBJECT


def exchange_until(env, server, token, want, timeout=5.0):
    """The first exchange may race the remote side learning TokenGate's keys URL (set once the
    server's port is known); retry within `timeout` and return the last answer."""
    deadline = time.monotonic() + timeout
    while True:
        status, headers, body = env.exchange(server, token)
        if status == want or time.monotonic() > deadline:
            return status, headers, body
        time.sleep(0.2)


def test_remote_cluster_gets_only_self_issued_tokens(broker_env):
    local = broker_env.add_cluster("prod")  # still on tokenFile: serve warns about it
    remote = broker_env.add_cluster("remote")
    broker_env.self_issued.add("remote")
    authenticator = remote.trust_jwt_issuer(BROKER_ISSUER, [BrokerEnv.self_issued_audience("remote")], jwks_url="",
                                            ca_file="", granted=(USER,))
    server = broker_env.start()
    authenticator.jwks_url, authenticator.ca_file = server.base_url + "/keys", server.ca_path

    warnings = [e for e in server.logs() if e.get("message", "").startswith("cluster uses a static API token")]
    assert [e["cluster"] for e in warnings] == ["prod"], "one warning, naming the cluster on tokenFile only"
    assert "auth.selfIssued" in warnings[0]["message"]

    pod = broker_env.pod(remote)
    status, _, body = exchange_until(broker_env, server, remote.mint(pod, [BROKER_AUDIENCE]), 200)
    assert status == 200, body
    assert decode_jwt(body["access_token"])[1]["tokengate.io"]["cluster"] == "remote"
    assert ("POST", "/apis/authentication.k8s.io/v1/tokenreviews") in remote.requests
    assert ("GET", f"/api/v1/namespaces/payments/pods/{pod.name}") in remote.requests

    # What reached the remote API server: JWTs of TokenGate's issuer, never the static token.
    assert remote.bearers, "the remote API server was called"
    assert f"Bearer {remote.api_token}" not in remote.bearers
    assert USER in remote.authenticated_users
    tokens = {b[len("Bearer "):] for b in remote.bearers if b.startswith("Bearer ")}
    for token in tokens:
        header, claims = decode_jwt(token)
        assert header["kid"] == broker_env.kid and header["alg"] == "ES256"
        assert claims["iss"] == BROKER_ISSUER and claims["sub"] == SUBJECT
        assert claims["aud"] == BrokerEnv.self_issued_audience("remote")
        assert claims["exp"] - claims["iat"] == 120 and claims["exp"] > time.time()
    assert authenticator.jwks_fetches >= 1, "the remote side verified against TokenGate's /keys"

    # The tokenFile cluster keeps working with its static token.
    local_pod = broker_env.pod(local)
    assert broker_env.exchange(server, local.mint(local_pod, [BROKER_AUDIENCE]))[0] == 200
    assert set(local.bearers) == {f"Bearer {local.api_token}"}


def test_remote_that_does_not_trust_the_audience_refuses_and_the_log_says_why(broker_env):
    remote = broker_env.add_cluster("remote")
    broker_env.self_issued.add("remote")
    authenticator = remote.trust_jwt_issuer(BROKER_ISSUER, ["https://someone-else.test"], jwks_url="", ca_file="", granted=(USER,))
    server = broker_env.start()
    authenticator.jwks_url, authenticator.ca_file = server.base_url + "/keys", server.ca_path
    assert not [e for e in server.logs() if e.get("message", "").startswith("cluster uses a static API token")]
    # The start-up key fetch may have raced the line above; let jwksRefetchIntervalSeconds (1 s)
    # pass so the exchange's own fetch reaches the remote side with its now-known keys URL.
    time.sleep(1.2)

    pod = broker_env.pod(remote)
    status, headers, body = broker_env.exchange(server, remote.mint(pod, [BROKER_AUDIENCE]))
    assert status == 503 and body["error"] == "temporarily_unavailable"
    assert any("aud" in reason for reason in authenticator.rejections)
    assert f"Bearer {remote.api_token}" not in remote.bearers
    line = wait_for_log(server, lambda e: "auth.selfIssued" in str(e.get("error", "")) or "auth.selfIssued" in str(e.get("detail", "")))
    assert "remote" in str(line)
