# SPDX-License-Identifier: Apache-2.0
"""Tokens TokenGate's broker issues, verified by independent implementations.

The test plays the Kubernetes API server's signing role itself: Python `cryptography` makes the
cluster's RSA key and mints a ServiceAccount token shaped exactly like the API server's
(k8s-api.md §5: header {"alg","kid"} without typ, kid = base64url(SHA-256(DER SPKI)), aud an
array, the kubernetes.io claim). The cluster's JWKS is written to a file, and the broker runs
offline (`tokengate exchange --offline --verify jwks`, no TokenReview). The issued token is then
verified with joserfc and, separately, with raw `cryptography` primitives, using nothing but the
JWKS printed by `tokengate keys jwks` — what a relying party has.
"""
import base64
import hashlib
import hmac
import json
import os
import subprocess
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from joserfc import jwt
from joserfc.jwk import KeySet

BIN = os.environ.get("TOKENGATE_BIN", ".build/debug/tokengate")
CLUSTER_ISSUER = "https://kubernetes.default.svc.cluster.local"
BROKER_ISSUER = "https://tokengate.example.com"
BROKER_AUDIENCE = "https://tokengate.example.com/token"
LEDGER = "https://ledger.example.com"
POD = {
    "namespace": "payments",
    "pod": {"name": "payments-api-6d9f7c8b5-k2x9p", "uid": "e87dbbd6-3d7e-45db-aafb-72b24627dff5"},
    "node": {"name": "worker-2", "uid": "497e9d9a-47aa-4930-b0f6-9f2fb574c8c6"},
    "serviceaccount": {"name": "payments-api", "uid": "a087d5a0-e1dd-43ec-93ac-f13d89cd13af"},
}
SUBJECT_JTI = "7ee52be0-9045-4653-aa5e-0da57b8dccdc"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def int_bytes(value: int) -> bytes:
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


def kubernetes_kid(public_key) -> str:
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return b64url(hashlib.sha256(der).digest())


def tokengate(*args, check=True):
    result = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=60)
    if check and result.returncode != 0:
        raise AssertionError(f"tokengate {' '.join(args)} failed ({result.returncode}): {result.stderr}")
    return result


class Cluster:
    """The API server's token signer, played by Python `cryptography`."""

    def __init__(self):
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = kubernetes_kid(self.key.public_key())

    def jwks(self) -> dict:
        numbers = self.key.public_key().public_numbers()
        return {"keys": [{"use": "sig", "kty": "RSA", "kid": self.kid, "alg": "RS256",
                          "n": b64url(int_bytes(numbers.n)), "e": b64url(int_bytes(numbers.e))}]}

    def claims(self, now: int, audience=BROKER_AUDIENCE, lifetime=3600) -> dict:
        return {
            "aud": [audience], "exp": now + lifetime, "iat": now, "iss": CLUSTER_ISSUER, "jti": SUBJECT_JTI,
            "kubernetes.io": json.loads(json.dumps(POD)), "nbf": now,
            "sub": f"system:serviceaccount:{POD['namespace']}:{POD['serviceaccount']['name']}",
        }

    def sign(self, claims: dict, header=None) -> str:
        header = header or {"alg": "RS256", "kid": self.kid}
        signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
        signature = self.key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return signing_input + "." + b64url(signature)


@pytest.fixture
def setup(tmp_path: Path):
    def make(alg="ES256"):
        cluster = Cluster()
        (tmp_path / "cluster-jwks.json").write_text(json.dumps(cluster.jwks()))
        key_file = tmp_path / f"signing-{alg}.pem"
        args = ["keys", "generate", "--alg", alg, "--out", str(key_file)] + (["--bits", "2048"] if alg == "RS256" else [])
        printed_kid = tokengate(*args).stdout.strip()
        assert oct(key_file.stat().st_mode & 0o777) == "0o600"
        private = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
        assert printed_kid == kubernetes_kid(private.public_key()), "kid is base64url(SHA-256(DER SPKI))"
        config = tmp_path / "tokengate.yaml"
        config.write_text(f"""
broker:
  issuer: {BROKER_ISSUER}
  audience: {BROKER_AUDIENCE}
  signingKeys: [{key_file}]
  clusters:
    - name: prod
      issuer: {CLUSTER_ISSUER}
      jwksFile: {tmp_path / "cluster-jwks.json"}
      algorithms: [RS256]
      apiServer: https://127.0.0.1:6443
  policy:
    - name: payments-ledger
      serviceAccounts: [{{namespace: payments, name: "payments-*"}}]
      audiences: [{LEDGER}]
      maxTTLSeconds: 600
""")
        return cluster, config, private, printed_kid

    return make


def exchange(tmp_path: Path, config: Path, token: str, audience=LEDGER, *extra):
    token_file = tmp_path / "token"
    token_file.write_text(token + "\n")
    result = tokengate("exchange", "--offline", "--verify", "jwks", "--config", str(config),
                       "--token-file", str(token_file), "--audience", audience, *extra, check=False)
    return result.returncode, json.loads(result.stdout), json.loads(result.stderr.strip().splitlines()[-1])


def published_keys(config: Path) -> dict:
    return json.loads(tokengate("keys", "jwks", "--config", str(config)).stdout)


@pytest.mark.parametrize("alg", ["ES256", "RS256"])
def test_issued_token_verifies_with_joserfc_against_jwks_alone(tmp_path, setup, alg):
    cluster, config, _, kid = setup(alg)
    now = int(time.time())
    code, response, audit = exchange(tmp_path, config, cluster.sign(cluster.claims(now)))
    assert code == 0, response
    assert response["issued_token_type"] == "urn:ietf:params:oauth:token-type:access_token"
    assert response["token_type"] == "Bearer"
    assert 590 <= response["expires_in"] <= 600

    keyset = KeySet.import_key_set(published_keys(config))
    token = jwt.decode(response["access_token"], keyset, algorithms=[alg])
    assert token.header == {"alg": alg, "typ": "at+jwt", "kid": kid}
    claims = token.claims
    assert claims["iss"] == BROKER_ISSUER
    assert claims["sub"] == "system:serviceaccount:payments:payments-api"
    assert claims["client_id"] == claims["sub"]
    assert claims["aud"] == LEDGER
    assert claims["exp"] - claims["iat"] == response["expires_in"]
    assert claims["nbf"] == claims["iat"] and abs(claims["iat"] - now) <= 5
    assert len(b64url_decode(claims["jti"])) == 16
    identity = claims["tokengate.io"]
    assert identity == {"cluster": "prod", "namespace": "payments", "serviceaccount": POD["serviceaccount"],
                        "pod": POD["pod"], "node": POD["node"], "subject_jti": SUBJECT_JTI}
    assert audit["decision"] == "granted" and audit["issued_jti"] == claims["jti"]
    assert audit["pod_uid"] == POD["pod"]["uid"] and audit["subject_jti"] == SUBJECT_JTI
    assert response["access_token"] not in json.dumps(audit)


def test_es256_signature_checks_with_raw_cryptography(tmp_path, setup):
    cluster, config, _, kid = setup("ES256")
    code, response, _ = exchange(tmp_path, config, cluster.sign(cluster.claims(int(time.time()))))
    assert code == 0
    header_b64, payload_b64, signature_b64 = response["access_token"].split(".")
    jwk = next(k for k in published_keys(config)["keys"] if k["kid"] == kid)
    assert jwk["kty"] == "EC" and jwk["crv"] == "P-256" and "d" not in jwk
    public = ec.EllipticCurvePublicNumbers(int.from_bytes(b64url_decode(jwk["x"]), "big"),
                                           int.from_bytes(b64url_decode(jwk["y"]), "big"), ec.SECP256R1()).public_key()
    raw = b64url_decode(signature_b64)
    assert len(raw) == 64, "JWS ES256 signatures are raw r||s, 64 bytes"
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    public.verify(der, f"{header_b64}.{payload_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    tampered = json.loads(b64url_decode(payload_b64))
    tampered["sub"] = "system:serviceaccount:kube-system:admin"
    with pytest.raises(Exception):
        public.verify(der, f"{header_b64}.{b64url(json.dumps(tampered).encode())}".encode(), ec.ECDSA(hashes.SHA256()))


def test_issued_token_does_not_verify_with_another_key(tmp_path, setup):
    cluster, config, _, _ = setup("ES256")
    code, response, _ = exchange(tmp_path, config, cluster.sign(cluster.claims(int(time.time()))))
    assert code == 0
    stranger = ec.generate_private_key(ec.SECP256R1()).public_key().public_numbers()
    foreign = {"keys": [{"kty": "EC", "crv": "P-256", "alg": "ES256", "kid": jwt.decode(
        response["access_token"], KeySet.import_key_set(published_keys(config))).header["kid"],
        "x": b64url(stranger.x.to_bytes(32, "big")), "y": b64url(stranger.y.to_bytes(32, "big"))}]}
    with pytest.raises(Exception):
        jwt.decode(response["access_token"], KeySet.import_key_set(foreign), algorithms=["ES256"])


def test_refusals_from_the_cli(tmp_path, setup):
    cluster, config, _, _ = setup("ES256")
    now = int(time.time())

    def refused(token, error, reason, audience=LEDGER):
        code, response, audit = exchange(tmp_path, config, token, audience)
        assert code == 1 and "access_token" not in response
        assert response["error"] == error, response
        assert audit["reason"] == reason, audit
        assert response["error_description"]

    claims = cluster.claims(now)
    unsigned = b64url(json.dumps({"alg": "none"}).encode()) + "." + b64url(json.dumps(claims).encode()) + "."
    refused(unsigned, "invalid_request", "algorithm_not_allowed")
    # HS256 keyed with the cluster's RSA public key (the algorithm-confusion attack).
    pem = cluster.key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    signing_input = b64url(json.dumps({"alg": "HS256", "kid": cluster.kid}).encode()) + "." + b64url(json.dumps(claims).encode())
    refused(signing_input + "." + b64url(hmac.new(pem, signing_input.encode(), hashlib.sha256).digest()),
            "invalid_request", "algorithm_not_allowed")
    refused(cluster.sign(cluster.claims(now, audience="https://kubernetes.default.svc")), "invalid_request", "wrong_audience")
    refused(cluster.sign(cluster.claims(now - 7200, lifetime=3600)), "invalid_request", "expired")
    no_pod = cluster.claims(now)
    del no_pod["kubernetes.io"]["pod"]
    refused(cluster.sign(no_pod), "invalid_request", "not_pod_bound")
    forged = Cluster()
    refused(forged.sign(cluster.claims(now), header={"alg": "RS256", "kid": cluster.kid}), "invalid_request", "bad_signature")
    refused(cluster.sign(claims), "invalid_target", "audience_not_allowed", audience="https://vault.example.com")
    refused("garbage", "invalid_request", "malformed")


def test_cli_surface_errors(tmp_path, setup):
    _, config, _, _ = setup("ES256")
    token_file = tmp_path / "t"
    token_file.write_text("x")
    online = tokengate("exchange", "--config", str(config), "--token-file", str(token_file), "--audience", LEDGER, check=False)
    assert online.returncode != 0 and "--offline" in online.stderr
    review = tokengate("exchange", "--offline", "--verify", "both", "--config", str(config), "--token-file", str(token_file),
                       "--audience", LEDGER, check=False)
    assert review.returncode != 0 and "--verify jwks" in review.stderr
    again = tokengate("keys", "generate", "--out", str(tmp_path / "signing-ES256.pem"), check=False)
    assert again.returncode != 0 and "--force" in again.stderr
    hmac_key = tokengate("keys", "generate", "--alg", "HS256", "--out", str(tmp_path / "h.pem"), check=False)
    assert hmac_key.returncode != 0 and not (tmp_path / "h.pem").exists()
    bad = tmp_path / "bad.yaml"
    bad.write_text(config.read_text().replace("maxTTLSeconds", "maxTTL"))
    typo = tokengate("keys", "jwks", "--config", str(bad), check=False)
    assert typo.returncode != 0 and "broker.policy[0].maxTTL" in typo.stderr
