# SPDX-License-Identifier: Apache-2.0
"""`tokengate serve` takes the same projection flags as `mutate` and `render`, and they win over
--config (issue 3: "Flags override the file")."""
import base64
import json
import os

import jsonpatch

from conftest import make_certs, run_tokengate

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
REVIEW = os.path.join(ROOT, "Tests", "Fixtures", "admission", "openunison-deployment-create.mutating.json")


def mutate(server):
    review = json.load(open(REVIEW))
    status, _, body = server.request("POST", "/mutate?timeout=10s", json.dumps(review).encode(),
                                     {"Content-Type": "application/json"})
    assert status == 200
    response = json.loads(body)["response"]
    return review, response


def test_flags_enable_and_override_the_file(tokengate_server, tmp_path):
    config = tmp_path / "values.yaml"
    config.write_text("services:\n  enable_tokenrequest: false\n  token_request_audience: api\n"
                      "  token_request_expiration_seconds: 600\n")
    # The file alone: disabled, so the object is allowed unchanged.
    plain = tokengate_server(config=config)
    _, response = mutate(plain)
    assert response["allowed"] is True and "patch" not in response
    # Flags turn it on and replace the audience and lifetime.
    flagged = tokengate_server("--enable-tokenrequest", "--audience", "https://kubernetes.default.svc",
                               "--expiration-seconds", "3600", config=config)
    review, response = mutate(flagged)
    ops = json.loads(base64.b64decode(response["patch"]))
    result = jsonpatch.apply_patch(review["request"]["object"], ops)
    volume = next(v for v in result["spec"]["template"]["spec"]["volumes"] if v["name"] == "tokengate-token")
    assert volume["projected"]["sources"][0]["serviceAccountToken"] == {
        "audience": "https://kubernetes.default.svc", "expirationSeconds": 3600, "path": "token"}


def test_out_of_range_flag_stops_serve_with_the_reason(tmp_path):
    certs = make_certs(tmp_path / "certs")
    proc = run_tokengate("serve", "--listen", "127.0.0.1:0", "--tls-cert", certs.cert, "--tls-key", certs.key,
                         "--enable-tokenrequest", "--expiration-seconds", "300", check=False, timeout=30)
    assert proc.returncode != 0
    assert "token_request_expiration_seconds" in proc.stderr and "600" in proc.stderr
