# SPDX-License-Identifier: Apache-2.0
"""The token broker in the real `tokengate serve`, end to end over HTTPS.

The Kubernetes API servers here are STAND-INS (Tests/e2e/kube_standin.py): Python HTTPS servers
on loopback serving discovery, JWKS, TokenReview and Pods the way kube-apiserver does, and minting
ServiceAccount tokens exactly as it does. Everything else is real: the tokengate binary, its
OpenSSL TLS client towards the stand-ins, curl and Python clients towards tokengate, and joserfc /
cryptography as the independent verifiers of what tokengate issues.
"""
import base64
import hashlib
import hmac
import json
import time

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from joserfc import jwt
from joserfc.jwk import KeySet

from broker_support import (BROKER_AUDIENCE, BROKER_ISSUER, LEDGER, curl, decode_jwt, exchange_logs, form,
                            wait_for_log)
from conftest import run_tokengate
from kube_standin import SigningKey, b64url, b64url_decode, encode_jws


def test_exchange_with_curl_and_tokengate_exchange_url(broker_env, tmp_path):
    prod = broker_env.add_cluster("prod")
    pod = broker_env.pod(prod)
    server = broker_env.start()
    token = prod.mint(pod, [BROKER_AUDIENCE])

    out = curl("--cacert", server.ca_path, "-i", "-X", "POST", f"{server.base_url}/token",
               "-H", "Content-Type: application/x-www-form-urlencoded", "--data-binary", "@-", input_text=form(token).decode())
    assert out.returncode == 0, out.stderr
    head, _, body = out.stdout.partition("\n\n")  # text mode turned CRLF into LF
    assert head.startswith("HTTP/1.1 200"), out.stdout
    assert "cache-control: no-store" in head.lower() and "content-type: application/json" in head.lower()
    response = json.loads(body)
    assert response["issued_token_type"] == "urn:ietf:params:oauth:token-type:access_token"
    assert response["token_type"] == "Bearer" and 590 <= response["expires_in"] <= 600
    header, claims = decode_jwt(response["access_token"])
    assert header["kid"] == broker_env.kid and header["typ"] == "at+jwt"
    assert claims["tokengate.io"]["pod"] == {"name": pod.name, "uid": pod.uid}

    token_file = tmp_path / "pod-token"
    token_file.write_text(prod.mint(pod, [BROKER_AUDIENCE]) + "\n")
    cli = run_tokengate("exchange", "--url", f"{server.base_url}/token", "--cacert", server.ca_path,
                        "--token-file", token_file, "--audience", LEDGER, check=False)
    assert cli.returncode == 0, cli.stderr
    issued = json.loads(cli.stdout)
    assert decode_jwt(issued["access_token"])[1]["sub"] == "system:serviceaccount:payments:payments-api"
    # The stand-in saw what a real API server would: TokenReview and the Pod GET, with the bearer token.
    assert ("POST", "/apis/authentication.k8s.io/v1/tokenreviews") in prod.requests
    assert ("GET", f"/api/v1/namespaces/payments/pods/{pod.name}") in prod.requests

    # The same client, refused: exit 1, the RFC 8693 error on stderr, the JSON on stdout.
    token_file.write_text(prod.mint(pod, [BROKER_AUDIENCE]) + "\n")
    denied = run_tokengate("exchange", "--url", f"{server.base_url}/token", "--cacert", server.ca_path,
                           "--token-file", token_file, "--audience", "https://vault.example.com", check=False)
    assert denied.returncode == 1 and "invalid_target" in denied.stderr
    assert json.loads(denied.stdout)["error"] == "invalid_target"
    # A CA that did not sign the broker's certificate: the TLS client refuses, exit 3.
    wrong_ca = run_tokengate("exchange", "--url", f"{server.base_url}/token", "--cacert", broker_env.kube_pki.ca,
                             "--token-file", token_file, "--audience", LEDGER, check=False)
    assert wrong_ca.returncode == 3 and "certificate verify failed" in wrong_ca.stderr, wrong_ca.stderr


def test_issued_token_verifies_against_keys_alone_and_discovery_is_right(broker_env):
    prod = broker_env.add_cluster("prod")
    pod = broker_env.pod(prod)
    server = broker_env.start()
    status, headers, response = broker_env.exchange(server, prod.mint(pod, [BROKER_AUDIENCE]))
    assert status == 200, response

    status, headers, raw = server.request("GET", "/.well-known/openid-configuration")
    assert status == 200 and headers["content-type"] == "application/json"
    discovery = json.loads(raw)
    assert discovery["issuer"] == BROKER_ISSUER
    assert discovery["jwks_uri"] == BROKER_ISSUER + "/keys"
    assert discovery["token_endpoint"] == BROKER_ISSUER + "/token"
    assert discovery["id_token_signing_alg_values_supported"] == ["ES256"]
    assert "urn:ietf:params:oauth:grant-type:token-exchange" in discovery["grant_types_supported"]

    status, headers, raw = server.request("GET", "/keys")
    assert status == 200 and headers["content-type"] == "application/jwk-set+json"
    jwks = json.loads(raw)
    assert all("d" not in key for key in jwks["keys"]), "no private parts published"

    # joserfc, given nothing but GET /keys, accepts the token and its claims.
    token = jwt.decode(response["access_token"], KeySet.import_key_set(jwks), algorithms=["ES256"])
    jwt.JWTClaimsRegistry(iss={"essential": True, "value": BROKER_ISSUER},
                          aud={"essential": True, "value": LEDGER}).validate(token.claims)
    claims = token.claims
    assert claims["sub"] == claims["client_id"] == "system:serviceaccount:payments:payments-api"
    assert len(b64url_decode(claims["jti"])) == 16
    identity = claims["tokengate.io"]
    assert identity["cluster"] == "prod" and identity["namespace"] == "payments"
    assert identity["pod"] == {"name": pod.name, "uid": pod.uid}
    assert identity["node"] == {"name": "worker-2", "uid": pod.node_uid}
    assert identity["serviceaccount"] == {"name": "payments-api", "uid": pod.service_account_uid}

    # Raw `cryptography`, independently of joserfc: the ES256 signature is r||s over header.payload.
    key = next(k for k in jwks["keys"] if k["kid"] == token.header["kid"])
    public = ec.EllipticCurvePublicNumbers(int.from_bytes(b64url_decode(key["x"]), "big"),
                                           int.from_bytes(b64url_decode(key["y"]), "big"), ec.SECP256R1()).public_key()
    h, p, s = response["access_token"].split(".")
    raw_sig = b64url_decode(s)
    public.verify(encode_dss_signature(int.from_bytes(raw_sig[:32], "big"), int.from_bytes(raw_sig[32:], "big")),
                  f"{h}.{p}".encode(), ec.ECDSA(hashes.SHA256()))


def _hs256_with_public_key(cluster, pod):
    claims = decode_jwt(cluster.mint(pod, [BROKER_AUDIENCE]))[1]
    signing_input = b64url(json.dumps({"alg": "HS256", "kid": cluster.key.kid}).encode()) + "." + b64url(json.dumps(claims).encode())
    mac = hmac.new(cluster.key.public_pem(), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64url(mac)


def _flip_signature_bit(token):
    h, p, s = token.split(".")
    signature = bytearray(b64url_decode(s))
    signature[len(signature) // 2] ^= 0x01
    return f"{h}.{p}.{b64url(bytes(signature))}"


def test_every_rejection_class_through_http(broker_env):
    prod = broker_env.add_cluster("prod")
    staging = broker_env.add_cluster("staging")
    pod = broker_env.pod(prod)
    doomed = broker_env.pod(prod, "payments-api-doomed")
    replaced = broker_env.pod(prod, "payments-api-replaced")
    server = broker_env.start()
    now = int(time.time())
    aud = [BROKER_AUDIENCE]

    # The pod-UID case needs a TokenReview answer already cached (≤ 10 s, as KAS caches), then a new pod.
    replaced_token = prod.mint(replaced, aud)
    assert broker_env.exchange(server, replaced_token)[0] == 200
    prod.pods[("payments", replaced.name)] = type(replaced)("payments", replaced.name, "0f0f0f0f-1111-2222-3333-444444444444",
                                                            "payments-api", "worker-2")
    doomed_token = prod.mint(doomed, aud)
    prod.delete_pod("payments", doomed.name)

    cases = [
        ("pod UID mismatch", replaced_token, "pod_uid_mismatch"),  # first: while the review is cached
        ("alg none", encode_jws({"alg": "none"}, decode_jwt(prod.mint(pod, aud))[1], None), "algorithm_not_allowed"),
        ("HS256 keyed with the RSA public key", _hs256_with_public_key(prod, pod), "algorithm_not_allowed"),
        ("unknown kid", prod.mint(pod, aud, key=SigningKey.rsa()), "unknown_key"),
        ("key from another trusted cluster", prod.mint(pod, aud, key=staging.key), "unknown_key"),
        ("expired", prod.mint(pod, aud, lifetime=600, now=now - 3600), "expired"),
        ("not yet valid", prod.mint(pod, aud, now=now + 600), "not_yet_valid"),
        ("wrong iss", prod.mint(pod, aud, issuer="https://evil.example.com"), "unknown_issuer"),
        ("wrong aud", prod.mint(pod, ["https://kubernetes.default.svc.cluster.local"]), "wrong_audience"),
        ("no pod claim", prod.mint(None, aud, namespace="payments", service_account="payments-api"), "not_pod_bound"),
        ("deleted pod (TokenReview false)", doomed_token, "tokenreview_rejected"),
        ("flipped signature bit", _flip_signature_bit(prod.mint(pod, aud)), "bad_signature"),
        ("1 MB token", "A" * (1 << 20), "malformed_request"),
        ("garbage", "garbage", "malformed"),
    ]
    for name, token, reason in cases:
        before = len(exchange_logs(server))
        status, headers, body = broker_env.exchange(server, token)
        assert status == 400, (name, body)
        assert body["error"] == "invalid_request", (name, body)
        assert body["error_description"] and "127.0.0.1" not in body["error_description"], (name, body)
        assert "access_token" not in body
        assert headers["cache-control"] == "no-store", name
        entry = wait_for_log(server, lambda e: e.get("message") == "token exchange" and len(exchange_logs(server)) > before)
        logged = exchange_logs(server)[before]
        assert logged["reason"] == reason and logged["decision"] == "denied", (name, logged)
    assert entry  # the last line was read
    # A policy refusal is invalid_target, and the endpoint takes form posts only.
    status, _, body = broker_env.exchange(server, prod.mint(pod, aud), audience="https://vault.example.com")
    assert status == 400 and body["error"] == "invalid_target"
    status, headers, body = broker_env.exchange(server, prod.mint(pod, aud), content_type="application/json",
                                                body=json.dumps({"subject_token": "x"}).encode())
    assert status == 415 and body["error"] == "invalid_request" and headers["cache-control"] == "no-store"

    metrics = server.metrics()
    assert metrics['tokengate_token_exchanges_total{outcome="granted",reason="issued"}'] == 1
    assert metrics['tokengate_token_exchanges_total{outcome="denied",reason="unknown_key"}'] == 2
    assert metrics['tokengate_token_exchanges_total{outcome="denied",reason="unsupported_media_type"}'] == 1
    assert metrics['tokengate_broker_jwks_fetches_total{cluster="prod",document="jwks",result="success"}'] >= 1
    assert metrics['tokengate_broker_jwks_fetches_total{cluster="prod",document="discovery",result="success"}'] >= 1
    assert metrics['tokengate_broker_tokenreviews_total{cluster="prod",result="rejected"}'] >= 1
    assert metrics['tokengate_broker_tokenreview_duration_seconds_count{cluster="prod"}'] >= 2
    assert metrics['tokengate_broker_pod_lookups_total{cluster="prod",result="found"}'] >= 2
    # The server is still fine after all of that.
    assert server.request("GET", "/healthz")[0] == 200


def test_no_broker_section_means_no_broker_routes(tokengate_server, tmp_path):
    config = tmp_path / "webhook-only.yaml"
    config.write_text("services:\n  enable_tokenrequest: true\n")
    server = tokengate_server(config=config)
    assert server.request("POST", "/token", body=b"grant_type=x", headers={"Content-Type": "application/x-www-form-urlencoded"})[0] == 404
    assert server.request("GET", "/keys")[0] == 404
    assert server.request("GET", "/.well-known/openid-configuration")[0] == 404
    assert any(e.get("message", "").startswith("token broker off") for e in server.logs())
