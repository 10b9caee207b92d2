#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian packages TokenGate needs (hack/install-deps.sh), builds tokengate, generates development certificates into certs/ (once), and runs the server
# in the foreground on https://localhost:8443 with text logs. Ctrl-C drains and stops it.
#   hack/run-local.sh [extra `tokengate serve` flags]
# Environment: LISTEN (default 127.0.0.1:8443), CONFIGURATION (debug|release, default debug),
#              TOKENGATE_CONFIG (default hack/dev-config.yaml),
#              AUDIT_DB (default .tokengate-local/audit.db: the audit trail of every exchange and
#              admission decision; query it with `tokengate audit query --db "$AUDIT_DB"`).
#              With TOKENGATE_AUDIT_DSN set, or --audit-db/--audit-dsn among the flags, those win.
set -euo pipefail
cd "$(dirname "$0")/.."
configuration="${CONFIGURATION:-debug}"
hack/install-deps.sh
swift build -c "$configuration" --product tokengate
bin="$(swift build -c "$configuration" --show-bin-path)/tokengate"
if [[ ! -f certs/tls.crt || ! -f certs/tls.key || ! -f certs/ca.crt ]]; then
  "$bin" certs --service tokengate --namespace tokengate-system --out certs
fi
audit=()
if [[ -z "${TOKENGATE_AUDIT_DSN:-}" && " $* " != *" --audit-db"* && " $* " != *" --audit-dsn"* ]]; then
  audit_db="${AUDIT_DB:-.tokengate-local/audit.db}"
  mkdir -p "$(dirname "$audit_db")"
  audit=(--audit-db "$audit_db")
  echo "Audit trail: $audit_db (tokengate audit query --db $audit_db)" >&2
fi
echo "TokenGate on https://${LISTEN:-127.0.0.1:8443} (CA: certs/ca.crt). Try: hack/send-review.sh" >&2
exec "$bin" serve --listen "${LISTEN:-127.0.0.1:8443}" --tls-cert certs/tls.crt --tls-key certs/tls.key --drain-seconds 0 \
  --config "${TOKENGATE_CONFIG:-hack/dev-config.yaml}" "${audit[@]}" "$@"
