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
* every API call needs `Authorization: Bearer <token>` (401 Status otherwise), as the real one does:
  the stand-in's own reader token, or — with `trust_jwt_issuer(...)` — a JWT accepted the way
  structured authentication (`AuthenticationConfiguration` `jwt[]`) accepts one: signature
  against the issuer's JWKS (fetched over HTTPS, refetched on an unknown kid), exact `iss`,
  `aud` among the configured audiences, `exp`/`nbf` with 60 s of leeway, and `sub` mapped to a
  username with the configured prefix, which must then be granted (the RBAC of the test).

TrustedCluster custom resources (tokengate.io/v1alpha1, cluster-scoped), as the API server serves
a CRD with a status subresource (k8s API conventions; not in k8s-api.md):

* LIST `GET /apis/tokengate.io/v1alpha1/trustedclusters` -> `TrustedClusterList` with
  `metadata.resourceVersion` (and `limit`/`continue` paging);
* WATCH `?watch=1&resourceVersion=RV&allowWatchBookmarks=true&timeoutSeconds=N` -> 200, chunked,
  one JSON event per line: every change after RV, then live ones, a BOOKMARK every
  `bookmark_seconds`, ending after timeoutSeconds; an RV older than the compaction point gets an
  ERROR event with a 410 `Status` ("too old resource version") and the stream ends;
* `PATCH …/trustedclusters/{name}/status` (application/merge-patch+json) changes only `status`
  (no generation bump), like the status subresource;
* knobs: `compact()` (every older RV is now 410 Gone), `drop_watches()` (close the open watch
  connections mid-stream, no final chunk), and counters of LISTs, WATCHes and status PATCHes;
* ConfigMaps: `GET /api/v1/namespaces/{ns}/configmaps/{name}`.

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
        self.hanging = 0  # calls sleeping in hang_seconds right now
        self.discovery_down = False  # True: discovery and JWKS answer 503
        self.down = False  # True (go_down()): the listener is closed and open connections drop every request
        self.requests: list[tuple[str, str]] = []  # (method, path) seen, for assertions
        self.api_token = "standin-reader-token"  # what TokenGate must present
        self.jwt_authenticator: JWTAuthenticator | None = None  # structured authentication, when trusted
        self.bearers: list[str] = []  # every Authorization header value received, for assertions
        self.authenticated_users: list[str] = []  # usernames the JWT authenticator accepted
        # TrustedCluster resources (see the module docstring)
        self.trusted: dict[str, dict] = {}
        self.history: list[tuple[int, str, dict]] = []  # (resourceVersion, type, object)
        self.resource_version = 1000
        self.compacted = 0  # watches from an RV below this get 410 Gone
        self.bookmark_seconds = 1.0
        self.lists = 0
        self.watches: list[str] = []  # the resourceVersion each WATCH started from
        self.status_patches: list[tuple[str, dict]] = []
        self.configmaps: dict[tuple[str, str], dict] = {}
        self.trusted_unavailable = False  # True: LIST/WATCH of TrustedClusters answer 503
        self._changed = threading.Condition()
        self._drop_generation = 0
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

    def go_down(self) -> None:
        """The API server dies: new connections are refused, and a request on a connection that
        was already open gets no answer (the connection closes), as when the process is gone."""
        self.down = True
        self._server.shutdown()
        self._server.server_close()

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

    def trust_jwt_issuer(self, issuer: str, audiences: list[str], jwks_url: str, ca_file: str,
                         username_prefix: str = "tokengate:", granted: tuple[str, ...] = ()) -> "JWTAuthenticator":
        """Trusts JWTs of `issuer` like an API server's `--authentication-config` `jwt[]` entry with
        `issuer.url` = issuer, `audiences`, `certificateAuthority` = ca_file and
        `claimMappings.username` = {claim: sub, prefix}; `jwks_url` is where its keys are fetched
        (the stand-in reaches the issuer on loopback, as `issuer.discoveryURL` lets a real one).
        `granted` are the usernames RBAC allows (TokenReview create, pods get)."""
        self.jwt_authenticator = JWTAuthenticator(issuer, audiences, jwks_url, ca_file, username_prefix, set(granted))
        return self.jwt_authenticator

    # -- TrustedCluster resources ------------------------------------------------------------
    def _record(self, kind: str, obj: dict) -> None:
        with self._changed:
            self.resource_version += 1
            obj["metadata"]["resourceVersion"] = str(self.resource_version)
            self.history.append((self.resource_version, kind, json.loads(json.dumps(obj))))
            self._changed.notify_all()

    def apply_trusted(self, obj: dict) -> dict:
        """kubectl apply: create, or update the spec (generation +1 when the spec changes)."""
        obj = json.loads(json.dumps(obj))
        name = obj["metadata"]["name"]
        old = self.trusted.get(name)
        meta = obj.setdefault("metadata", {})
        if old is None:
            meta.update(uid=str(uuid.uuid4()), generation=1, creationTimestamp="2026-12-05T00:00:00Z")
            kind = "ADDED"
        else:
            meta.update(uid=old["metadata"]["uid"], creationTimestamp=old["metadata"]["creationTimestamp"],
                        generation=old["metadata"]["generation"] + (old["spec"] != obj["spec"]))
            if "status" in old:
                obj["status"] = old["status"]
            kind = "MODIFIED"
        self.trusted[name] = obj
        self._record(kind, obj)
        return obj

    def delete_trusted(self, name: str) -> None:
        obj = self.trusted.pop(name)
        self._record("DELETED", obj)

    def bump_resource_version(self, times: int = 1) -> None:
        """Other objects changed: resourceVersion is global (etcd's revision), so it moves on without
        any TrustedCluster event; only a BOOKMARK tells a watcher the new value."""
        with self._changed:
            self.resource_version += times

    def compact(self) -> None:
        """etcd compaction: every resourceVersion before now is gone (410 for a WATCH from it)."""
        with self._changed:
            self.compacted = self.resource_version + 1
            self._changed.notify_all()

    def drop_watches(self) -> None:
        """Closes every open WATCH connection mid-stream, as a load balancer or a restarting API server does."""
        with self._changed:
            self._drop_generation += 1
            self._changed.notify_all()

    def conditions(self, name: str) -> dict[str, dict]:
        obj = self.trusted.get(name) or {}
        return {c["type"]: c for c in obj.get("status", {}).get("conditions", [])}

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


def public_key_from_jwk(jwk: dict):
    if jwk.get("kty") == "EC" and jwk.get("crv") == "P-256":
        x = int.from_bytes(b64url_decode(jwk["x"]), "big")
        y = int.from_bytes(b64url_decode(jwk["y"]), "big")
        return ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
    if jwk.get("kty") == "RSA":
        n = int.from_bytes(b64url_decode(jwk["n"]), "big")
        e = int.from_bytes(b64url_decode(jwk["e"]), "big")
        return rsa.RSAPublicNumbers(e, n).public_key()
    raise ValueError(f"unsupported JWK {jwk.get('kty')}")


class JWTAuthenticator:
    """What kube-apiserver's structured-authentication JWT authenticator checks, for one issuer."""

    def __init__(self, issuer, audiences, jwks_url, ca_file, username_prefix, granted):
        self.issuer, self.audiences, self.jwks_url = issuer, audiences, jwks_url
        self.ca_file, self.username_prefix, self.granted = ca_file, username_prefix, granted
        self.keys: dict[str, dict] = {}
        self.rejections: list[str] = []  # why tokens were refused, for assertions
        self.jwks_fetches = 0

    def _fetch_keys(self) -> None:
        import urllib.request
        ctx = ssl.create_default_context(cafile=self.ca_file)
        with urllib.request.urlopen(self.jwks_url, context=ctx, timeout=5) as response:
            self.keys = {k["kid"]: k for k in json.loads(response.read())["keys"]}
        self.jwks_fetches += 1

    def authenticate(self, token: str) -> str | None:
        """The mapped username, or None (the reason goes to `rejections`)."""
        try:
            h, p, s = token.split(".")
            header, claims = json.loads(b64url_decode(h)), json.loads(b64url_decode(p))
        except ValueError:
            return None  # not a JWT: another authenticator's business
        if claims.get("iss") != self.issuer:
            self.rejections.append(f"iss {claims.get('iss')!r} is not {self.issuer!r}")
            return None
        kid = header.get("kid")
        if kid not in self.keys:
            try:
                self._fetch_keys()
            except Exception as error:  # noqa: BLE001 - an unreachable issuer authenticates no one
                self.rejections.append(f"cannot fetch {self.jwks_url!r}: {error!r}")
                return None
        jwk = self.keys.get(kid)
        if jwk is None or header.get("alg") not in ("ES256", "RS256"):
            self.rejections.append(f"no key {kid!r} at {self.jwks_url}")
            return None
        signing_input, sig = f"{h}.{p}".encode(), b64url_decode(s)
        try:
            pub = public_key_from_jwk(jwk)
            if header["alg"] == "RS256":
                pub.verify(sig, signing_input, padding.PKCS1v15(), hashes.SHA256())
            else:
                from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
                der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
                pub.verify(der, signing_input, ec.ECDSA(hashes.SHA256()))
        except Exception as error:  # noqa: BLE001 - any failure is a bad signature
            self.rejections.append(f"bad signature: {error!r}")
            return None
        aud = claims.get("aud")
        auds = aud if isinstance(aud, list) else [aud]
        if not any(a in self.audiences for a in auds):
            self.rejections.append(f"aud {aud!r} not in {self.audiences}")
            return None
        now = time.time()
        if not isinstance(claims.get("exp"), int) or claims["exp"] + 60 < now:
            self.rejections.append("expired")
            return None
        if isinstance(claims.get("nbf"), int) and claims["nbf"] - 60 > now:
            self.rejections.append("not yet valid")
            return None
        if not claims.get("sub"):
            self.rejections.append("no sub")
            return None
        return self.username_prefix + claims["sub"]


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

    def handle_one_request(self) -> None:
        if self.standin.down:
            self.close_connection = True
            return
        super().handle_one_request()

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
        s = self.standin
        value = self.headers.get("Authorization") or ""
        s.bearers.append(value)
        if value == f"Bearer {s.api_token}":
            return True
        if s.jwt_authenticator and value.startswith("Bearer "):
            user = s.jwt_authenticator.authenticate(value[len("Bearer "):])
            if user is not None:
                s.authenticated_users.append(user)
                if user in s.jwt_authenticator.granted:
                    return True
                self._status(403, "Forbidden", f'User "{user}" cannot perform this action')
                return False
        self._status(401, "Unauthorized", "Unauthorized")
        return False

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def _trusted_get(self, path: str, query: dict) -> None:
        s = self.standin
        if not self._authorized():
            return
        if s.trusted_unavailable:
            return self._status(503, "ServiceUnavailable", "the server is currently unable to handle the request")
        if query.get("watch") in ("1", "true"):
            return self._trusted_watch(query)
        s.lists += 1
        with s._changed:
            items = [s.trusted[n] for n in sorted(s.trusted)]
            version = str(s.resource_version)
        start = int(query.get("continue") or 0)
        limit = int(query.get("limit") or 0) or len(items) or 1
        page = items[start:start + limit]
        more = start + limit < len(items)
        self._send(200, {"apiVersion": "tokengate.io/v1alpha1", "kind": "TrustedClusterList",
                         "metadata": {"resourceVersion": version, **({"continue": str(start + limit)} if more else {})},
                         "items": page})

    def _trusted_watch(self, query: dict) -> None:
        try:
            self._trusted_watch_stream(query)
        except (OSError, ssl.SSLError):  # the client went away (TokenGate stopped or gave up): normal
            self.close_connection = True

    def _trusted_watch_stream(self, query: dict) -> None:
        s = self.standin
        since = int(query.get("resourceVersion") or 0)
        s.watches.append(str(since))
        timeout = float(query.get("timeoutSeconds") or 60)
        bookmarks = query.get("allowWatchBookmarks") == "true"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        if since < s.compacted:
            status = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                      "message": f"too old resource version: {since} ({s.compacted})", "reason": "Expired", "code": 410}
            self._chunk(json.dumps({"type": "ERROR", "object": status}).encode() + b"\n")
            self.wfile.write(b"0\r\n\r\n")
            return
        deadline = time.monotonic() + timeout
        next_bookmark = time.monotonic() + s.bookmark_seconds
        with s._changed:
            drops = s._drop_generation
        sent = since
        while True:
            with s._changed:
                pending = [(rv, kind, obj) for rv, kind, obj in s.history if rv > sent]
                if not pending and s._drop_generation == drops:
                    s._changed.wait(timeout=0.1)
                dropped = s._drop_generation != drops
            if dropped:
                self.close_connection = True
                try:
                    self.request.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return
            for rv, kind, obj in pending:
                self._chunk(json.dumps({"type": kind, "object": obj}).encode() + b"\n")
                sent = rv
            now = time.monotonic()
            if bookmarks and now >= next_bookmark:
                with s._changed:
                    if not any(rv > sent for rv, _, _ in s.history):  # nothing unsent: the current version
                        sent = max(sent, s.resource_version)
                mark = {"kind": "TrustedCluster", "apiVersion": "tokengate.io/v1alpha1",
                        "metadata": {"resourceVersion": str(sent)}}
                self._chunk(json.dumps({"type": "BOOKMARK", "object": mark}).encode() + b"\n")
                next_bookmark = now + s.bookmark_seconds
            if now >= deadline:
                self.wfile.write(b"0\r\n\r\n")
                return

    def do_PATCH(self) -> None:
        s = self.standin
        path = self.path.split("?", 1)[0]
        s.requests.append(("PATCH", path))
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        parts = path.strip("/").split("/")
        if not (len(parts) == 6 and parts[:4] == ["apis", "tokengate.io", "v1alpha1", "trustedclusters"] and parts[5] == "status"):
            return self._status(404, "NotFound", "the server could not find the requested resource")
        if not self._authorized():
            return
        if self.headers.get("Content-Type") != "application/merge-patch+json":
            return self._status(415, "UnsupportedMediaType", "the body of the request was in an unknown format")
        obj = s.trusted.get(parts[4])
        if obj is None:
            return self._status(404, "NotFound", f'trustedclusters.tokengate.io "{parts[4]}" not found')
        patch = json.loads(body)
        if set(patch) != {"status"}:
            return self._status(422, "Invalid", "the status subresource changes status only")
        s.status_patches.append((parts[4], patch["status"]))
        obj["status"] = patch["status"]  # merge-patch of status: lists replace, as conditions here
        s._record("MODIFIED", obj)
        self._send(200, obj)

    def do_GET(self) -> None:
        s = self.standin
        path, _, raw_query = self.path.partition("?")
        s.requests.append(("GET", path))
        if path == "/apis/tokengate.io/v1alpha1/trustedclusters":
            import urllib.parse
            return self._trusted_get(path, dict(urllib.parse.parse_qsl(raw_query)))
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
        if len(parts) == 6 and parts[:3] == ["api", "v1", "namespaces"] and parts[4] == "configmaps":
            if not self._authorized():
                return
            cm = s.configmaps.get((parts[3], parts[5]))
            if cm is None:
                return self._status(404, "NotFound", f'configmaps "{parts[5]}" not found')
            return self._send(200, {"kind": "ConfigMap", "apiVersion": "v1",
                                    "metadata": {"name": parts[5], "namespace": parts[3]}, "data": cm})
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
            s.hanging += 1
            time.sleep(s.hang_seconds)
            s.hanging -= 1
        sar = "/apis/authorization.k8s.io/v1/subjectaccessreviews"
        if path not in ("/apis/authentication.k8s.io/v1/tokenreviews", sar):
            return self._status(404, "NotFound", "the server could not find the requested resource")
        if not self._authorized():
            return
        if path == sar:
            return self._subject_access_review(body)
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
