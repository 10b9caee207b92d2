# SPDX-License-Identifier: Apache-2.0
"""`tokengate audit query --pod NAME` and `--pod-uid UID` find a Pod's own admission.

The real `tokengate serve --audit-db` answers recorded Pod CREATE reviews on /mutate; SIGTERM
flushes the trail; the real `tokengate audit query` reads it.
"""
import copy
import json
import signal

from broker_support import audit_query
from conftest import admission_fixture, run_tokengate


def pod_review(uid, name=None, pod_uid=None):
    """The recorded ReplicaSet Pod CREATE, with a name (a StatefulSet or bare pod has one) and, as
    the API server sets it once the pod is stored, a metadata.uid."""
    review = copy.deepcopy(admission_fixture("pod-create-from-replicaset.mutating.v1.30.json"))
    review["request"]["uid"] = uid
    metadata = review["request"]["object"]["metadata"]
    if name:
        review["request"]["name"] = name
        metadata["name"] = name
    if pod_uid:
        metadata["uid"] = pod_uid
    return review


def test_a_pods_admission_is_found_by_pod_name_and_uid(tokengate_server, tmp_path):
    db = tmp_path / "audit.db"
    server = tokengate_server("--audit-db", db, "--drain-seconds", "0")
    reviews = [
        pod_review("review-named", name="web-9"),
        pod_review("review-with-uid", name="web-10", pod_uid="3f1e2d4c-0000-4000-8000-00000000a010"),
        pod_review("review-generated-name"),  # no name yet: recorded as payments-api-6d9f7c8b5-*
        admission_fixture(),  # a Deployment
    ]
    for review in reviews:
        status, _, raw = server.request("POST", "/mutate", body=json.dumps(review).encode(),
                                        headers={"Content-Type": "application/json"})
        assert status == 200 and json.loads(raw)["response"]["uid"] == review["request"]["uid"]
    server.signal(signal.SIGTERM)
    assert server.wait(timeout=30) == 0
    assert len(audit_query(db, "--kind", "admission")) == len(reviews)

    [named] = audit_query(db, "--pod", "web-9")
    assert (named["requestUID"], named["kind"], named["resourceKind"]) == ("review-named", "admission", "Pod")
    assert named["podName"] == "web-9" and named["namespace"] == "payments"
    [with_uid] = audit_query(db, "--pod-uid", "3f1e2d4c-0000-4000-8000-00000000a010")
    assert with_uid["requestUID"] == "review-with-uid" and with_uid["podName"] == "web-10"
    assert [row["requestUID"] for row in audit_query(db, "--pod", "web-10", "--namespace", "payments")] == \
        ["review-with-uid"]

    table = run_tokengate("audit", "query", "--db", db, "--pod", "web-9").stdout.splitlines()
    assert len(table) == 2 and "admission" in table[1] and "web-9" in table[1]
