# SPDX-License-Identifier: Apache-2.0
"""`checkPod: true` takes effect with `verify: jwks` too: the real `tokengate serve` checks the
subject token's signature against the cluster's JWKS (no TokenReview) and then GETs the pod named
in the token, so the token of a deleted or recreated pod is refused at once, not when it expires.
A jwks-only cluster with no API server cannot do that, and serve refuses such a config.

The Kubernetes API server is a STAND-IN (kube_standin.py) on loopback; tokengate is the real
binary, reached over HTTPS.
"""
import json

import pytest

from broker_support import BROKER_AUDIENCE, BROKER_ISSUER, exchange_logs
from kube_standin import Pod

TOKENREVIEW = ("POST", "/apis/authentication.k8s.io/v1/tokenreviews")


def last_reason(server):
    return exchange_logs(server)[-1]["reason"]


def test_jwks_mode_with_check_pod_refuses_deleted_and_recreated_pods(broker_env):
    prod = broker_env.add_cluster("prod")
    broker_env.cluster_extra["prod"] = "verify: jwks\ncheckPod: true"
    live = broker_env.pod(prod)
    doomed = broker_env.pod(prod, "payments-api-doomed")
    replaced = broker_env.pod(prod, "payments-api-replaced")
    server = broker_env.start("--kube-timeout-seconds", "1")
    aud = [BROKER_AUDIENCE]

    status, _, body = broker_env.exchange(server, prod.mint(live, aud))
    assert status == 200, body
    assert ("GET", f"/api/v1/namespaces/payments/pods/{live.name}") in prod.requests
    assert TOKENREVIEW not in prod.requests, "verify: jwks checks the signature itself"

    doomed_token = prod.mint(doomed, aud)
    prod.delete_pod("payments", doomed.name)
    status, headers, body = broker_env.exchange(server, doomed_token)
    assert status == 400 and body["error"] == "invalid_request", body
    assert "no longer exists" in body["error_description"] and headers["cache-control"] == "no-store"
    assert last_reason(server) == "pod_not_found"

    replaced_token = prod.mint(replaced, aud)
    prod.pods[("payments", replaced.name)] = Pod("payments", replaced.name, "0f0f0f0f-1111-2222-3333-444444444444",
                                                 "payments-api", "worker-2")
    status, _, body = broker_env.exchange(server, replaced_token)
    assert status == 400 and body["error"] == "invalid_request", body
    assert last_reason(server) == "pod_uid_mismatch"
    assert "0f0f0f0f-1111-2222-3333-444444444444" in exchange_logs(server)[-1]["detail"]

    # The live pod's tokens keep working, and an API server that does not answer is a 503, not a pass.
    status, _, body = broker_env.exchange(server, prod.mint(live, aud))
    assert status == 200, body
    prod.hang_seconds = 3  # longer than --kube-timeout-seconds
    status, headers, body = broker_env.exchange(server, prod.mint(live, aud))
    assert status == 503 and body["error"] == "temporarily_unavailable", body
    assert headers.get("retry-after") == "5"
    assert last_reason(server) == "pod_unavailable"
    prod.hang_seconds = 0
    assert TOKENREVIEW not in prod.requests


def test_check_pod_without_an_api_server_is_refused_at_start(broker_env, tmp_path, tokengate_server):
    prod = broker_env.add_cluster("prod")
    jwks = tmp_path / "prod-jwks.json"
    jwks.write_text(json.dumps({"keys": [prod.key.jwk()]}))
    config = tmp_path / "jwks-only.yaml"
    config.write_text(f"""broker:
  issuer: {BROKER_ISSUER}
  signingKeys: [{broker_env.signing_key}]
  clusters:
    - name: prod
      issuer: {prod.issuer}
      jwksFile: {jwks}
      verify: jwks
      checkPod: true
""")
    with pytest.raises(RuntimeError) as exited:  # the fixture raises when serve exits instead of listening
        tokengate_server(config=config)
    message = str(exited.value)
    assert "broker.clusters[0].checkPod" in message and "apiServer" in message and "checkPod: false" in message, message
