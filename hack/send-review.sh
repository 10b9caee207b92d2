#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Posts an AdmissionReview to a running TokenGate (e.g. from hack/run-local.sh), the way the API
# server does (POST, application/json, ?timeout=10s), and prints the answer.
#   hack/send-review.sh [review.json] [endpoint] [base-url]
# Defaults: the Deployment CREATE fixture, mutate, https://localhost:8443, CA certs/ca.crt.
set -euo pipefail
cd "$(dirname "$0")/.."
review="${1:-Tests/Fixtures/admission/deployment-create.mutating.v1.30.json}"
endpoint="${2:-mutate}"
base="${3:-https://localhost:8443}"
curl -sS --fail-with-body --cacert "${CA:-certs/ca.crt}" \
  -H 'Content-Type: application/json' --data-binary "@$review" \
  "$base/$endpoint?timeout=10s"
echo
