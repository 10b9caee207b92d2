# SPDX-License-Identifier: Apache-2.0
"""End-to-end checks of `tokengate lint` through the real binary.

Every reported position is checked against the file itself: the text found at that line and
column must be the value the message is about, so positions inside `spec.tasks` are verified
independently of the code that computes them.
"""
import json
import os
import re
import shutil
import subprocess

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("TOKENGATE_BIN", os.path.join(ROOT, ".build", "debug", "tokengate"))
FIXTURES = os.path.join(ROOT, "Tests", "Fixtures", "openunison-workflows")
LINE = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<column>\d+): (?P<severity>error|warning): (?P<text>.*)$")

GOOD = """\
apiVersion: openunison.tremolo.io/v2
kind: Workflow
metadata:
  name: good
  namespace: openunison
spec:
  label: Good
  description: a valid workflow
  inList: false
  orgId: 687da09f-8ec1-48ac-b035-f2f182b9bd1e
  tasks: |-
    - taskType: approval
      emailTemplate: Approve access
      mailAttr: mail
      failureEmailSubject: Not approved
      failureEmailMsg: Sorry
      label: Approve
      approvers:
      - scope: group
        constraint: cn=administrators,ou=groups,o=Tremolo
      onSuccess:
      - taskType: provision
        target: jitdb
        sync: false
        attributes: [sub]
"""

BAD = """\
apiVersion: openunison.tremolo.io/v1
kind: Workflow
metadata:
  name: bad
  namespace: openunison
spec:
  label: Bad
  tasks: |
    - taskType: approval
      emailTemplate: e
      mailAttr: mail
      failureEmailSubject: s
      failureEmailMsg: m
      label: l
      approvers:
      - scope: groups
        constraint: cn=admins
      escalationPolicy:
        escalations:
        - executeAfterTime: 2
          executeAfterUnits: hour
          azRules: []
      onSuccess:
      - taskType: provision
        target: jitdb
        sync: "true"
"""

WARN_ONLY = """\
apiVersion: openunison.tremolo.io/v1
kind: Workflow
metadata:
  name: warn
spec:
  tasks: |
    - taskType: mapping
      strict: true
      map:
      - targetAttributeName: a
        sourceType: attribute
        targetAttributeSource: b
"""

TARGET = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: unrelated
data:
  tokenType: token
---
apiVersion: openunison.tremolo.io/v1
kind: Target
metadata:
  name: k8s-remote
  namespace: openunison
spec:
  className: com.tremolosecurity.unison.openshiftv3.OpenShiftTarget
  params:
  - name: url
    value: kubernetes.remote.example
  - name: tokenType
    value: token
"""


def lint(*args, stdin=None):
    if not os.access(BIN, os.X_OK):
        pytest.fail(f"tokengate binary not found at {BIN}; run `swift build --product tokengate` or set TOKENGATE_BIN")
    return subprocess.run([BIN, "lint", *args], input=stdin, capture_output=True, timeout=120)


def parsed(stdout):
    out = []
    for raw in stdout.decode().splitlines():
        match = LINE.match(raw)
        assert match, f"not a compiler-style line: {raw!r}"
        out.append(match.groupdict())
    return out


def text_at(path, line, column):
    """The file's text from the 1-based line and column on (columns count characters)."""
    with open(path, encoding="utf-8") as handle:
        return handle.read().splitlines()[int(line) - 1][int(column) - 1:]


def write(directory, name, text):
    path = os.path.join(directory, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    mode = "wb" if isinstance(text, bytes) else "w"
    with open(path, mode) as handle:
        handle.write(text)
    return path


def test_openunison_documents_pass_except_the_camel_case_name(tmp_path):
    result = lint(FIXTURES)
    problems = parsed(result.stdout)
    assert result.returncode == 1
    assert len(problems) == 1
    problem = problems[0]
    assert problem["file"].endswith("authentication-mechanisms.md__updateLockout.yaml")
    assert problem["severity"] == "error"
    assert problem["text"].startswith('metadata.name: "updateLockout" is not a valid name')
    assert text_at(problem["file"], problem["line"], problem["column"]) == "updateLockout"
    assert b"6 files, 6 objects checked: 1 error, 0 warnings" in result.stderr


def test_valid_workflow_exits_zero_and_prints_nothing(tmp_path):
    path = write(tmp_path, "good.yaml", GOOD)
    result = lint(path)
    assert result.returncode == 0, result.stdout
    assert result.stdout == b""
    assert b"1 file, 1 object checked: 0 errors, 0 warnings" in result.stderr


def test_errors_inside_tasks_point_at_the_file(tmp_path):
    path = write(tmp_path, "bad.yaml", BAD)
    result = lint(path)
    assert result.returncode == 1
    problems = parsed(result.stdout)
    assert [(p["line"], p["column"], p["severity"]) for p in problems] == [
        ("16", "16", "error"), ("21", "30", "error"), ("26", "15", "error")]
    assert problems[0]["text"] == (
        'spec.tasks[0].approvers[0].scope: "groups" is not allowed for scope; allowed: filter, group, dn, '
        'dynamicGroup and custom (hint: did you mean "group"?)')
    assert problems[1]["text"].startswith("spec.tasks[0].escalationPolicy.escalations[0].executeAfterUnits: ")
    assert problems[1]["text"].endswith('(hint: use "hr" for hours)')
    assert problems[2]["text"] == (
        'spec.tasks[0].onSuccess[0].sync: expected a boolean, found the string "true" (hint: write true without quotes)')
    # Independent check: each position lands on the value the message names.
    assert text_at(path, 16, 16) == "groups"
    assert text_at(path, 21, 30) == "hour"
    assert text_at(path, 26, 15) == '"true"'


def test_warnings_alone_pass_unless_strict(tmp_path):
    path = write(tmp_path, "warn.yaml", WARN_ONLY)
    result = lint(path)
    assert result.returncode == 0
    problems = parsed(result.stdout)
    assert [(p["severity"], p["line"], p["column"]) for p in problems] == [("warning", "11", "21")]
    assert text_at(path, 11, 21) == "attribute"
    assert lint("--strict", path).returncode == 1


def test_json_format_for_ci(tmp_path):
    write(tmp_path, "bad.yaml", BAD)
    write(tmp_path, "good.yaml", GOOD)
    result = lint("--format", "json", str(tmp_path))
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["errors"] == 3 and report["warnings"] == 0
    files = {os.path.basename(f["path"]): f for f in report["files"]}
    assert files["good.yaml"]["diagnostics"] == []
    first = files["bad.yaml"]["diagnostics"][0]
    assert first == {
        "severity": "error", "code": "invalid-value", "object": "Workflow openunison/bad",
        "path": "spec.tasks[0].approvers[0].scope", "line": 16, "column": 16, "tasksLine": 8, "tasksColumn": 12,
        "message": '"groups" is not allowed for scope; allowed: filter, group, dn, dynamicGroup and custom',
        "hint": 'did you mean "group"?'}


def test_directories_are_searched_recursively_for_yaml(tmp_path):
    write(tmp_path, "a/one.yaml", BAD)
    write(tmp_path, "a/b/two.yml", BAD.replace("name: bad", "name: bad-two"))
    write(tmp_path, "a/notes.txt", "not: [yaml")
    write(tmp_path, "a/.hidden/three.yaml", BAD)
    result = lint(str(tmp_path / "a"))
    files = sorted({p["file"] for p in parsed(result.stdout)})
    assert files == [str(tmp_path / "a" / "b" / "two.yml"), str(tmp_path / "a" / "one.yaml")]
    assert b"2 files, 2 objects checked: 6 errors, 0 warnings" in result.stderr


def test_multi_document_file_checks_only_openunison_kinds(tmp_path):
    path = write(tmp_path, "mixed.yaml", TARGET)
    result = lint(path)
    assert result.returncode == 1
    problems = parsed(result.stdout)
    assert [(p["line"], p["column"]) for p in problems] == [("17", "12"), ("19", "12")]
    assert problems[0]["text"].startswith('spec.params[0].value: "kubernetes.remote.example" is not a URL')
    assert problems[1]["text"].startswith('spec.params[1].value: "token" is not a tokenType')
    assert text_at(path, 19, 12) == "token"
    assert b"1 file, 1 object checked" in result.stderr


def test_standard_input(tmp_path):
    result = lint("-", stdin=BAD.encode())
    assert result.returncode == 1
    assert [p["file"] for p in parsed(result.stdout)] == ["-", "-", "-"]


def test_non_utf8_file_is_an_error_with_its_position(tmp_path):
    path = write(tmp_path, "latin1.yaml", GOOD.encode().replace(b"label: Good", b"label: Caf\xe9"))
    result = lint(path)
    assert result.returncode == 1
    problems = parsed(result.stdout)
    assert [(p["line"], p["column"]) for p in problems] == [("7", "13")]
    assert problems[0]["text"] == "the file is not valid UTF-8 (byte 0xE9) (hint: save the file as UTF-8)"


def test_tab_indentation_is_reported_in_the_file(tmp_path):
    path = write(tmp_path, "tabs.yaml", GOOD.replace("      mailAttr: mail", "      mailAttr: mail\n\t  label2: x"))
    problems = parsed(lint(path).stdout)
    assert len(problems) == 1
    assert problems[0]["text"].endswith("(hint: YAML indentation must be spaces; replace the tab with spaces)")
    assert text_at(path, problems[0]["line"], 1).startswith("\t")


def test_huge_tasks_string_is_refused_with_the_limit(tmp_path):
    task = "    - taskType: callWorkflow\n      name: some-workflow\n"
    path = write(tmp_path, "huge.yaml", GOOD.split("  tasks: |-")[0] + "  tasks: |\n" + task * 8000)
    result = lint(path)
    assert result.returncode == 1
    problems = parsed(result.stdout)
    assert len(problems) == 1
    assert re.fullmatch(r"spec\.tasks: the task list is \d+ bytes; the limit is 262144 bytes \(hint: .*\)",
                        problems[0]["text"])
    assert lint("--max-tasks-bytes", "1000000", path).returncode == 0


def test_billion_laughs_manifest_is_bounded(tmp_path):
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lol\ndata:\n  l0: &l0 [a, a, a, a, a, a, a, a, a, a]\n"
    for level in range(1, 10):
        text += f"  l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * 10) + "]\n"
    result = lint(write(tmp_path, "lol.yaml", text))
    assert result.returncode == 1
    assert parsed(result.stdout)[0]["text"] == "the YAML holds more than 200000 values (counting every alias " \
        "expansion) (hint: aliases that refer to aliases multiply; write the values out)"


def test_missing_path_exits_two(tmp_path):
    result = lint(str(tmp_path / "nope.yaml"))
    assert result.returncode == 2
    assert b"no such file or directory" in result.stderr


def test_help_lists_lint():
    result = subprocess.run([BIN, "--help"], capture_output=True, timeout=60)
    assert b"lint" in result.stdout
