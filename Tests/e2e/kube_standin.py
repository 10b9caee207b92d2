"""A STAND-IN for the Kubernetes API server, for TokenGate's broker tests.

No real kube-apiserver can run on this machine, so this module plays its part on loopback,
faithful to ../shared/reference/k8s-api.md §4-5 (what TokenGate talks to):

* issuer discovery: GET /.well-known/openid-configuration and GET /openid/v1/jwks
  (Content-Type application/json and application/jwk-set+json, Cache-Control public max-age=3600);
* TokenReview: POST /apis/authentication.k8s.io/v1/tokenreviews -> always HTTP 201; status
  authenticated true/false with `error`, `audiences` = intersection of spec.audiences and the
  token's aud, user.extra with pod-name/pod-uid/node-name/node-uid/credential-id; fails when the
  bound pod was deleted or its UID changed, like the real one;
* Pods: GET /api/v1/namespaces/{ns}/pods/{name} -> 200 Pod JSON or 404 metav1.Status;
* SubjectAccessReview: POST /apis/authorization.k8s.io/v1/subjectaccessreviews -> always HTTP 201;
  status.allowed true when (spec.user, verb, group, resource) is in `allowed_access`, else false
  with a reason, as RBAC's authorizer answers (no namespace or name matching: tests keep to one);
* every API call needs `Authorization: Bearer <token>` (401 Status otherwise), as the real one does.

Tokens are minted exactly as the API server mints a pod-bound projected token (k8s-api.md §5):
header {"alg","kid"} with no `typ`; kid = base64url(SHA-256(DER SPKI)); `aud` an array;
private claims under "kubernetes.io". Knobs let tests make it hang (timeouts) or fail discovery.
"""
from __future__ import annotations

import base64
import hashlib
import http.server
import json
import socket
import socketserver
import ssl
import threading
import time
import uuid
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class SigningKey:
    """An API-server service-account signing key (RSA -> RS256, EC P-256 -> ES256)."""

    private: object
    alg: str

    @classmethod
    def rsa(cls) -> "SigningKey":
        return cls(rsa.generate_private_key(public_exponent=65537, key_size=2048), "RS256")

    @classmethod
    def ec(cls) -> "SigningKey":
        return cls(ec.generate_private_key(ec.SECP256R1()), "ES256")

    @property
    def kid(self) -> str:
        der = self.private.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return b64url(hashlib.sha256(der).digest())

    def jwk(self) -> dict:
        pub = self.private.public_key()
        if self.alg == "RS256":
            nums = pub.public_numbers()
            n = nums.n.to_bytes((nums.n.bit_length() + 7) // 8, "big")
            e = nums.e.to_bytes((nums.e.bit_length() + 7) // 8, "big")
            return {"use": "sig", "kty": "RSA", "kid": self.kid, "alg": "RS256", "n": b64url(n), "e": b64url(e)}
        nums = pub.public_numbers()
        return {
            "use": "sig", "kty": "EC", "kid": self.kid, "alg": "ES256", "crv": "P-256",
            "x": b64url(nums.x.to_bytes(32, "big")), "y": b64url(nums.y.to_bytes(32, "big")),
        }

    def sign(self, signing_input: bytes) -> bytes:
        if self.alg == "RS256":
            return self.private.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
        r, s = decode_dss_signature(self.private.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


def encode_jws(header: dict, payload: dict, key: SigningKey | None) -> str:
    h = b64url(json.dumps(header, separators=(",", ":")).encode())
    p = b64url(json.dumps(payload, separators=(",", ":")).encode())
    signing_input = f"{h}.{p}".encode()
    sig = key.sign(signing_input) if key else b""
    return f"{h}.{p}.{b64url(sig)}"


@dataclass
class Pod:
    namespace: str
    name: str
    uid: str
    service_account: str
    node_name: str = "worker-1"
    node_uid: str = field(default_factory=lambda: str(uuid.uuid4()))
    service_account_uid: str = field(default_factory=lambda: str(uuid.uuid4()))

    def to_json(self) -> dict:
        return {
            "kind": "Pod", "apiVersion": "v1",
            "metadata": {"name": self.name, "namespace": self.namespace, "uid": self.uid,
                         "creationTimestamp": "2026-11-30T10:00:00Z", "labels": {"app": self.name}},
            "spec": {"serviceAccountName": self.service_account, "serviceAccount": self.service_account,
                     "nodeName": self.node_name, "containers": [{"name": "app", "image": "example/app:1"}]},
            "status": {"phase": "Running"},
        }


class KubeStandIn:
    """The stand-in API server: state, token minting and an HTTPS listener on 127.0.0.1."""

    def __init__(self, cert_file: str, key_file: str, issuer: str | None = None, key: SigningKey | None = None):
        self.key = key or SigningKey.rsa()
        self.extra_jwks: list[dict] = []  # keys published besides the signing key (rotation)
        self.pods: dict[tuple[str, str], Pod] = {}
        self.hang_seconds = 0.0  # >0: every API call sleeps this long before answering
        self.discovery_down = False  # True: discovery and JWKS answer 503
        self.requests: list[tuple[str, str]] = []  # (method, path) seen, for assertions
        self.api_token = "standin-reader-token"  # what TokenGate must present
        self.allowed_access: set[tuple[str, str, str, str]] = set()  # SubjectAccessReview: (user, verb, group, resource)
        self.access_reviews: list[dict] = []  # SubjectAccessReview specs received, for assertions
        self._server = _ThreadingHTTPSServer(("127.0.0.1", 0), _Handler)
        self._server.standin = self
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(cert_file, key_file)
        self._server.socket = ctx.wrap_socket(self._server.socket, server_side=True)
        self.port = self._server.server_address[1]
        self.url = f"https://127.0.0.1:{self.port}"
        self.issuer = issuer or self.url
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> "KubeStandIn":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- state ------------------------------------------------------------------------------
    def add_pod(self, namespace: str, name: str, service_account: str, node_name: str = "worker-1") -> Pod:
        pod = Pod(namespace, name, str(uuid.uuid4()), service_account, node_name)
        self.pods[(namespace, name)] = pod
        return pod

    def delete_pod(self, namespace: str, name: str) -> None:
        self.pods.pop((namespace, name), None)

    # -- tokens -----------------------------------------------------------------------------
    def mint(self, pod: Pod | None, audiences: list[str], lifetime: int = 3600, *, key: SigningKey | None = None,
             issuer: str | None = None, now: int | None = None, header: dict | None = None,
             namespace: str = "default", service_account: str = "default", **overrides) -> str:
        """A token shaped exactly like a kubelet-requested projected token (pod-bound unless pod is None)."""
        key = key or self.key
        now = int(time.time()) if now is None else now
        ns = pod.namespace if pod else namespace
        sa = pod.service_account if pod else service_account
        private = {"namespace": ns, "serviceaccount": {"name": sa, "uid": pod.service_account_uid if pod else str(uuid.uuid4())}}
        if pod:
            private["pod"] = {"name": pod.name, "uid": pod.uid}
            private["node"] = {"name": pod.node_name, "uid": pod.node_uid}
        payload = {
            "aud": audiences, "exp": now + lifetime, "iat": now, "iss": issuer or self.issuer,
            "jti": str(uuid.uuid4()), "kubernetes.io": private, "nbf": now,
            "sub": f"system:serviceaccount:{ns}:{sa}",
        }
        payload.update(overrides)
        return encode_jws(header or {"alg": key.alg, "kid": key.kid}, payload, key)

    def _review(self, token: str, audiences: list[str]) -> dict:
        """What the API server's TokenReview decides (k8s-api.md §4.2), for tokens it issued."""
        try:
            h, p, s = token.split(".")
            header = json.loads(b64url_decode(h))
            claims = json.loads(b64url_decode(p))
            signing_input = f"{h}.{p}".encode()
            keys = {self.key.kid: self.key}
            if header.get("kid") not in keys or header.get("alg") != self.key.alg:
                raise ValueError("invalid signature")
            pub = self.key.private.public_key()
            sig = b64url_decode(s)
            if self.key.alg == "RS256":
                pub.verify(sig, signing_input, padding.PKCS1v15(), hashes.SHA256())
            else:
                from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
                der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
                pub.verify(der, signing_input, ec.ECDSA(hashes.SHA256()))
        except Exception:
            return {"authenticated": False, "error": "invalid bearer token, square/go-jose: error in cryptographic primitive"}
        now = time.time()
        if claims.get("iss") != self.issuer:
            return {"authenticated": False, "error": "invalid bearer token, token issuer is not trusted"}
        if claims["exp"] + 60 < now or claims["nbf"] - 60 > now:
            return {"authenticated": False, "error": "invalid bearer token, service account token has expired"}
        token_aud = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        matched = [a for a in audiences if a in token_aud]
        if audiences and not matched:
            return {"authenticated": False, "error": "invalid bearer token, token audiences don't match"}
        k = claims["kubernetes.io"]
        extra = {}
        if "pod" in k:
            pod = self.pods.get((k["namespace"], k["pod"]["name"]))
            if pod is None:
                return {"authenticated": False, "error": f'invalid bearer token, pods "{k["pod"]["name"]}" not found'}
            if pod.uid != k["pod"]["uid"]:
                return {"authenticated": False, "error": "invalid bearer token, pod UID does not match"}
            extra["authentication.kubernetes.io/pod-name"] = [pod.name]
            extra["authentication.kubernetes.io/pod-uid"] = [pod.uid]
            if "node" in k:
                extra["authentication.kubernetes.io/node-name"] = [k["node"]["name"]]
                if "uid" in k["node"]:
                    extra["authentication.kubernetes.io/node-uid"] = [k["node"]["uid"]]
        if "jti" in claims:
            extra["authentication.kubernetes.io/credential-id"] = [f'JTI={claims["jti"]}']
        ns = k["namespace"]
        return {
            "authenticated": True,
            "audiences": matched,
            "user": {
                "username": claims["sub"], "uid": k["serviceaccount"]["uid"],
                "groups": ["system:serviceaccounts", f"system:serviceaccounts:{ns}", "system:authenticated"],
                "extra": extra,
            },
        }


class _ThreadingHTTPSServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        # Like Go's net/http (kube-apiserver), answer without Nagle: the head and the body are two
        # writes here, and Nagle plus the client's delayed ACK would add ~40 ms to every reply.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().setup()

    def log_message(self, *args) -> None:  # quiet
        pass

    @property
    def standin(self) -> KubeStandIn:
        return self.server.standin

    def _send(self, code: int, body: dict, content_type: str = "application/json", extra: dict | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _status(self, code: int, reason: str, message: str) -> None:
        self._send(code, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                          "message": message, "reason": reason, "code": code})

    def _authorized(self) -> bool:
        if self.headers.get("Authorization") != f"Bearer {self.standin.api_token}":
            self._status(401, "Unauthorized", "Unauthorized")
            return False
        return True

    def do_GET(self) -> None:
        s = self.standin
        path = self.path.split("?", 1)[0]
        s.requests.append(("GET", path))
        if s.hang_seconds:
            time.sleep(s.hang_seconds)
        if path in ("/.well-known/openid-configuration", "/openid/v1/jwks"):
            if s.discovery_down:
                return self._status(503, "ServiceUnavailable", "the server is currently unable to handle the request")
            if not self._authorized():  # discovery is readable by system:serviceaccounts only
                return
            cache = {"Cache-Control": "public, max-age=3600"}
            if path == "/openid/v1/jwks":
                return self._send(200, {"keys": [s.key.jwk()] + s.extra_jwks}, "application/jwk-set+json", cache)
            return self._send(200, {
                "issuer": s.issuer, "jwks_uri": f"{s.url}/openid/v1/jwks",
                "response_types_supported": ["id_token"], "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": [s.key.alg],
            }, extra=cache)
        parts = path.strip("/").split("/")
        if len(parts) == 6 and parts[:3] == ["api", "v1", "namespaces"] and parts[4] == "pods":
            if not self._authorized():
                return
            pod = s.pods.get((parts[3], parts[5]))
            if pod is None:
                return self._status(404, "NotFound", f'pods "{parts[5]}" not found')
            return self._send(200, pod.to_json())
        self._status(404, "NotFound", "the server could not find the requested resource")

    def do_POST(self) -> None:
        s = self.standin
        path = self.path.split("?", 1)[0]
        s.requests.append(("POST", path))
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        if s.hang_seconds:
            time.sleep(s.hang_seconds)
        if path == "/apis/authorization.k8s.io/v1/subjectaccessreviews":
            return self._subject_access_review(body)
        if path != "/apis/authentication.k8s.io/v1/tokenreviews":
            return self._status(404, "NotFound", "the server could not find the requested resource")
        if not self._authorized():
            return
        try:
            review = json.loads(body)
            spec = review["spec"]
            token = spec["token"]
        except (ValueError, KeyError, TypeError):
            return self._status(400, "BadRequest", "the body of the request was in an unknown format")
        status = s._review(token, spec.get("audiences") or [])
        self._send(201, {"kind": "TokenReview", "apiVersion": "authentication.k8s.io/v1",
                         "metadata": {"creationTimestamp": None}, "spec": spec, "status": status})

    def _subject_access_review(self, body: bytes) -> None:
        """authorization.k8s.io/v1 SubjectAccessReview: 201, allowed per `allowed_access`."""
        s = self.standin
        if not self._authorized():
            return
        try:
            review = json.loads(body)
            spec = review["spec"]
            attributes = spec["resourceAttributes"]
        except (ValueError, KeyError, TypeError):
            return self._status(400, "BadRequest", "the body of the request was in an unknown format")
        s.access_reviews.append(spec)
        key = (spec.get("user"), attributes.get("verb"), attributes.get("group", ""), attributes.get("resource"))
        status = {"allowed": True, "reason": "RBAC: allowed by ClusterRoleBinding \"reviewers\""} if key in s.allowed_access else {"allowed": False}
        self._send(201, {"kind": "SubjectAccessReview", "apiVersion": "authorization.k8s.io/v1",
                         "metadata": {"creationTimestamp": None}, "spec": spec, "status": status})
