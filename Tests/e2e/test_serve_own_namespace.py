# SPDX-License-Identifier: Apache-2.0
"""`tokengate serve` learns its own namespace -- which it always skips, so it never gates its own
pods -- from POD_NAMESPACE (the Deployment sets it from the downward API) when the config does
not set `tokengate.ownNamespace`. Real server over TLS; the AdmissionReviews are the shared
fixture moved into the namespaces under test.

Needs: the binary at $TOKENGATE_BIN.
"""
import base64
import json
import time

from conftest import admission_fixture

CONFIG = "enable_tokenrequest: true\ntokengate:\n  selectors:\n    - app: payments-api\n"


def review_in(namespace: str) -> dict:
    review = admission_fixture()  # Deployment payments/payments-api CREATE
    review["request"]["namespace"] = namespace
    review["request"]["object"]["metadata"]["namespace"] = namespace
    review["request"]["uid"] = f"uid-{namespace}"
    return review


def mutate(server, namespace: str) -> dict:
    status, _, body = server.request("POST", "/mutate", body=json.dumps(review_in(namespace)).encode(),
                                     headers={"Content-Type": "application/json"})
    assert status == 200
    return json.loads(body)["response"]


def admission_log(server, uid: str) -> dict:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        lines = [e for e in server.logs() if e.get("message") == "admission" and e.get("uid") == uid]
        if lines:
            return lines[0]
        time.sleep(0.05)
    raise AssertionError(f"no admission log line for {uid}:\n{server.log_text()[-2000:]}")


def test_pod_namespace_is_skipped_when_the_config_does_not_name_one(tmp_path, monkeypatch, tokengate_server):
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG)
    monkeypatch.setenv("POD_NAMESPACE", "ou-tokengate")
    server = tokengate_server(config=config)

    own = mutate(server, "ou-tokengate")
    assert own["allowed"] is True and "patch" not in own
    line = admission_log(server, "uid-ou-tokengate")
    assert line["decision"] == "allowed" and "TokenGate's own" in line["reason"]

    # The same object anywhere else is projected, so the skip above is the namespace's doing.
    other = mutate(server, "payments")
    assert other["allowed"] is True and other["patchType"] == "JSONPatch"
    assert json.loads(base64.b64decode(other["patch"]))


def test_own_namespace_in_the_config_wins_over_pod_namespace(tmp_path, monkeypatch, tokengate_server):
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG + "  ownNamespace: from-config\n")
    monkeypatch.setenv("POD_NAMESPACE", "ou-tokengate")
    server = tokengate_server(config=config)
    assert "patch" not in mutate(server, "from-config")
    assert mutate(server, "ou-tokengate")["patchType"] == "JSONPatch"


def test_without_pod_namespace_nothing_extra_is_skipped(tmp_path, monkeypatch, tokengate_server):
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG)
    monkeypatch.delenv("POD_NAMESPACE", raising=False)
    server = tokengate_server(config=config)
    assert mutate(server, "ou-tokengate")["patchType"] == "JSONPatch"
