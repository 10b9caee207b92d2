# SPDX-License-Identifier: Apache-2.0
"""The README's run command, `hack/run-local.sh`, as a person runs it: it installs what is
missing, builds, makes development certificates once, and serves on LISTEN -- keeping an audit
trail by default (issue 10 §3), which `tokengate audit query` reads after Ctrl-C.

Needs: bash, curl (hack/send-review.sh), the Swift toolchain (the script runs `swift build`, a
no-op after the suite's build), and the Debian packages hack/install-deps.sh checks for.
"""
import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from conftest import REPO, run_tokengate

FIXTURE = REPO / "Tests" / "Fixtures" / "admission" / "deployment-create.mutating.v1.30.json"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_run_local_serves_and_keeps_an_audit_trail(tmp_path):
    port = free_port()
    audit_db = tmp_path / "trail" / "audit.db"
    env = dict(os.environ, LISTEN=f"127.0.0.1:{port}", AUDIT_DB=str(audit_db))
    env.pop("TOKENGATE_AUDIT_DSN", None)
    log_path = tmp_path / "run-local.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(["bash", "hack/run-local.sh"], cwd=REPO, env=env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 300  # includes `swift build` when the suite's build is stale
        answer = None
        while answer is None:
            result = subprocess.run(["bash", "hack/send-review.sh", str(FIXTURE), "mutate", f"https://localhost:{port}"],
                                    cwd=REPO, capture_output=True, text=True)
            if result.returncode == 0:
                answer = json.loads(result.stdout)
                break
            assert process.poll() is None, "run-local.sh exited:\n" + log_path.read_text()[-3000:]
            assert time.monotonic() < deadline, "run-local.sh never served:\n" + log_path.read_text()[-3000:]
            time.sleep(0.5)
        assert answer["response"]["allowed"] is True
        assert f"Audit trail: {audit_db}" in log_path.read_text()
    finally:
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C: drain, flush the audit queue, exit
        process.wait(60)
    assert process.returncode == 0, log_path.read_text()[-3000:]
    uid = json.loads(FIXTURE.read_text())["request"]["uid"]
    events = json.loads(run_tokengate("audit", "query", "--db", audit_db, "--format", "json").stdout)
    assert [e["requestUID"] for e in events] == [uid], events
