#!/usr/bin/env bash
# hack/e2e-kind.sh -- TokenGate end to end on a throwaway kind cluster.
#
# NOT RUN BY TOKENGATE'S CI: the development and CI machines have no Docker engine, so this
# script has never run there. It is for people who have Docker (or podman) and kind.
# Tests/e2e/test_manifests.py keeps it honest without a cluster: it checks the syntax, that every
# name, path, port and label below exists in manifests/, and that the demo objects below are ones
# the webhook configuration sends to TokenGate.
#
# What it does:
#   1. creates a kind cluster, builds the image from Containerfile and loads it into kind;
#   2. generates certs/ (tokengate certs) and broker signing keys, applies the self-signed overlay;
#   3. creates an OpenUnison-labelled Deployment and checks its pods mount the projected token
#      (audience, lifetime, no kube-api-access-* volume);
#   4. applies a broken OpenUnison Workflow and checks kubectl shows TokenGate's denial;
#   5. exchanges the pod's token at the broker (RFC 8693, POST /token) from inside the pod.
#
# Usage: hack/e2e-kind.sh            (KEEP=1 keeps the cluster afterwards; CLUSTER=name to pick one)
# Needs: docker, kind, kubectl, openssl, python3, a built tokengate (swift build --product tokengate),
# and internet access for kind's node image and the demo pod's image ($DEMO_IMAGE).
set -euo pipefail
cd "$(dirname "$0")/.."

# -- Names shared with manifests/ (a test checks each against the built overlay) --------------
CLUSTER=${CLUSTER:-tokengate-e2e}
KEEP=${KEEP:-0}
TOKENGATE_BIN=${TOKENGATE_BIN:-.build/debug/tokengate}
IMAGE=tokengate:dev
OVERLAY=manifests/overlays/self-signed
NAMESPACE=tokengate-system
DEPLOYMENT=tokengate
SERVICE=tokengate
SERVICE_PORT=443
TLS_SECRET=tokengate-tls
CONFIGMAP=tokengate-config
SIGNING_SECRET=tokengate-signing-keys
SIGNING_KEYS_DIR=/etc/tokengate/keys
TOKEN_PATH=/token
MUTATING_CONFIG=tokengate
VALIDATING_CONFIG=tokengate
PROJECTION_WEBHOOK=projection.tokengate.io
WORKFLOW_WEBHOOK=openunison.tokengate.io
TOKEN_AUDIENCE=https://kubernetes.default.svc.cluster.local
# -- The demo's own names ------------------------------------------------------------------------
DEMO_NAMESPACE=tokengate-e2e-demo
DEMO_SA=demo
BROKER_AUDIENCE=tokengate-broker
EXCHANGE_AUDIENCE=e2e-downstream
MOUNT_PATH=/var/run/secrets/kubernetes.io/serviceaccount
DEMO_IMAGE=curlimages/curl:8.11.1

say() { printf '\n== %s\n' "$*"; }
fail() { printf 'e2e-kind: FAIL: %s\n' "$*" >&2; exit 1; }
for tool in docker kind kubectl openssl python3; do
  command -v "$tool" >/dev/null || fail "$tool is not installed (this script needs a Docker engine and kind)"
done
[ -x "$TOKENGATE_BIN" ] || fail "no $TOKENGATE_BIN: run swift build --product tokengate first"
work=$(mktemp -d)
cleanup() {
  rm -rf "$work"
  if [ "$KEEP" = 1 ]; then echo "kept cluster $CLUSTER (kind delete cluster --name $CLUSTER)";
  else kind delete cluster --name "$CLUSTER" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT
k() { kubectl --context "kind-$CLUSTER" "$@"; }
jwt_payload() { python3 -c 'import sys,json,base64; p=sys.stdin.read().strip().split(".")[1]; print(json.dumps(json.loads(base64.urlsafe_b64decode(p+"="*(-len(p)%4)))))'; }

say "1. cluster and image"
kind get clusters 2>/dev/null | grep -qx "$CLUSTER" || kind create cluster --name "$CLUSTER" --wait 120s
minor=$(k version -o json | python3 -c 'import sys,json; print(int(json.load(sys.stdin)["serverVersion"]["minor"].rstrip("+")))')
[ "$minor" -ge 30 ] || fail "Kubernetes 1.$minor: TokenGate's webhook uses matchConditions (GA in 1.30)"
docker build -f Containerfile -t "$IMAGE" .
kind load docker-image "$IMAGE" --name "$CLUSTER"

say "2. certificates, signing keys, install ($OVERLAY)"
if ! openssl x509 -in certs/tls.crt -noout -ext subjectAltName 2>/dev/null | grep -q "DNS:$SERVICE.$NAMESPACE.svc"; then
  "$TOKENGATE_BIN" certs --service "$SERVICE" --namespace "$NAMESPACE" --out certs
fi
openssl verify -CAfile certs/ca.crt certs/tls.crt
"$TOKENGATE_BIN" keys generate --alg ES256 --out "$work/signing.pem"
k create namespace "$NAMESPACE" --dry-run=client -o yaml | k apply -f -
k -n "$NAMESPACE" create secret generic "$SIGNING_SECRET" --from-file=signing.pem="$work/signing.pem" \
  --dry-run=client -o yaml | k apply -f -
k apply -k "$OVERLAY"
# The broker section for this demo: the pod's token (audience $BROKER_AUDIENCE) may be exchanged
# for $EXCHANGE_AUDIENCE. Keep in step with the README's "Token broker" configuration.
k -n "$NAMESPACE" get configmap "$CONFIGMAP" -o jsonpath='{.data.config\.yaml}' > "$work/config.yaml"
cat >> "$work/config.yaml" <<BROKER_CONFIG
broker:
  issuer: https://$SERVICE.$NAMESPACE.svc
  audience: $BROKER_AUDIENCE
  tokenPath: $TOKEN_PATH
  signingKeys: [$SIGNING_KEYS_DIR/signing.pem]
  clusters:
    - name: kind
      issuer: $TOKEN_AUDIENCE
      inCluster: true
  policy:
    - name: e2e-demo
      serviceAccounts: [{namespace: $DEMO_NAMESPACE, name: $DEMO_SA}]
      audiences: [$EXCHANGE_AUDIENCE]
      maxTTLSeconds: 600
BROKER_CONFIG
k -n "$NAMESPACE" create configmap "$CONFIGMAP" --from-file=config.yaml="$work/config.yaml" --dry-run=client -o yaml | k apply -f -
k -n "$NAMESPACE" rollout restart "deployment/$DEPLOYMENT"
k -n "$NAMESPACE" rollout status "deployment/$DEPLOYMENT" --timeout=180s
k get mutatingwebhookconfiguration "$MUTATING_CONFIG" -o jsonpath='{.webhooks[*].clientConfig.caBundle}' | grep -q . \
  || fail "MutatingWebhookConfiguration $MUTATING_CONFIG has no caBundle"
k get validatingwebhookconfiguration "$VALIDATING_CONFIG" -o jsonpath='{.webhooks[*].clientConfig.caBundle}' | grep -q . \
  || fail "ValidatingWebhookConfiguration $VALIDATING_CONFIG has no caBundle"

say "3. an OpenUnison-labelled Deployment gets the projected token"
k create namespace "$DEMO_NAMESPACE" --dry-run=client -o yaml | k apply -f -
k -n "$DEMO_NAMESPACE" create configmap tokengate-ca --from-file=ca.crt=certs/ca.crt --dry-run=client -o yaml | k apply -f -
k apply -f - <<DEMO_YAML
apiVersion: v1
kind: ServiceAccount
metadata:
  name: $DEMO_SA
  namespace: $DEMO_NAMESPACE
  labels:
    app.kubernetes.io/part-of: openunison
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: demo
  namespace: $DEMO_NAMESPACE
  labels:
    app.kubernetes.io/part-of: openunison
spec:
  replicas: 1
  selector:
    matchLabels: {app: demo}
  template:
    metadata:
      labels:
        app: demo
        app.kubernetes.io/part-of: openunison
      annotations:
        tokengate.io/audience: $BROKER_AUDIENCE
    spec:
      serviceAccountName: $DEMO_SA
      securityContext:
        runAsNonRoot: true
        runAsUser: 65532
        seccompProfile: {type: RuntimeDefault}
      containers:
        - name: demo
          image: $DEMO_IMAGE
          command: ["/bin/sh", "-c", "exec sleep 86400"]
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: {drop: [ALL]}
          volumeMounts:
            - {name: tokengate-ca, mountPath: /etc/tokengate-ca, readOnly: true}
      volumes:
        - name: tokengate-ca
          configMap: {name: tokengate-ca}
DEMO_YAML
k -n "$DEMO_NAMESPACE" rollout status deployment/demo --timeout=120s
pod=$(k -n "$DEMO_NAMESPACE" get pods -l app=demo -o jsonpath='{.items[0].metadata.name}')
k -n "$DEMO_NAMESPACE" get pod "$pod" -o json > "$work/pod.json"
python3 - "$work/pod.json" "$BROKER_AUDIENCE" "$MOUNT_PATH" <<'CHECK_POD'
import json, sys
pod, audience, mountPath = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]
spec = pod["spec"]
assert spec.get("automountServiceAccountToken") is False, "automountServiceAccountToken is not false"
assert not [v for v in spec["volumes"] if v["name"].startswith("kube-api-access-")], "kube-api-access-* volume left in"
projected = [v for v in spec["volumes"] if any("serviceAccountToken" in s for s in v.get("projected", {}).get("sources", []))]
assert len(projected) == 1, f"expected one projected token volume, got {projected}"
sat = [s["serviceAccountToken"] for s in projected[0]["projected"]["sources"] if "serviceAccountToken" in s][0]
assert sat["audience"] == audience, sat
mounts = [m for m in spec["containers"][0]["volumeMounts"] if m["mountPath"] == mountPath]
assert mounts and mounts[0]["name"] == projected[0]["name"] and mounts[0].get("readOnly"), mounts
print("pod spec OK:", projected[0]["name"], sat)
CHECK_POD
claims=$(k -n "$DEMO_NAMESPACE" exec "$pod" -- cat "$MOUNT_PATH/token" | jwt_payload)
echo "$claims" | python3 -c "import sys,json; c=json.load(sys.stdin); assert c['aud']==['$BROKER_AUDIENCE'], c['aud']; assert c['kubernetes.io']['pod']['name']=='$pod'; print('token OK: aud', c['aud'], 'lifetime', c['exp']-c['iat'], 's')"

say "4. a broken Workflow is denied by TokenGate"
# A minimal stand-in for OpenUnison's Workflow CRD (the real one comes with OpenUnison's charts).
k apply -f - <<'WORKFLOW_CRD'
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: workflows.openunison.tremolo.io
spec:
  group: openunison.tremolo.io
  scope: Namespaced
  names: {plural: workflows, singular: workflow, kind: Workflow}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
    - name: v2
      served: true
      storage: false
      schema:
        openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
WORKFLOW_CRD
k wait --for condition=established --timeout=60s crd/workflows.openunison.tremolo.io
set +e
denial=$(k apply -f - 2>&1 <<BROKEN_WORKFLOW
apiVersion: openunison.tremolo.io/v1
kind: Workflow
metadata:
  name: broken
  namespace: $DEMO_NAMESPACE
spec:
  description: e2e -- escalation unit "hour" is not one of sec|min|hr|wk|day
  inList: false
  orgId: 04901973-5f4c-46d9-9e22-55e88e168776
  tasks: |-
    - taskType: approval
      emailTemplate: approve
      mailAttr: mail
      failureEmailSubject: denied
      failureEmailMsg: denied
      label: approve
      approvers:
        - scope: group
          constraint: admins
      escalationPolicy:
        escalations:
          - executeAfterTime: 1
            executeAfterUnits: hour
            azRules:
              - scope: group
                constraint: admins
BROKEN_WORKFLOW
)
status=$?
set -e
echo "$denial"
[ "$status" -ne 0 ] || fail "the broken Workflow was accepted"
echo "$denial" | grep -q "admission webhook \"$WORKFLOW_WEBHOOK\" denied the request" \
  || fail "kubectl did not show TokenGate's denial"

say "5. the pod exchanges its token at the broker"
exchanged=$(k -n "$DEMO_NAMESPACE" exec "$pod" -- curl -sS --fail-with-body \
  --cacert /etc/tokengate-ca/ca.crt "https://$SERVICE.$NAMESPACE.svc:$SERVICE_PORT$TOKEN_PATH" \
  --data-urlencode grant_type=urn:ietf:params:oauth:grant-type:token-exchange \
  --data-urlencode subject_token_type=urn:ietf:params:oauth:token-type:jwt \
  --data-urlencode "subject_token@$MOUNT_PATH/token" \
  --data-urlencode "audience=$EXCHANGE_AUDIENCE") || fail "exchange refused: $exchanged"
echo "$exchanged" | python3 -c "
import sys, json, base64
r = json.loads(sys.stdin.read())
p = r['access_token'].split('.')[1]
c = json.loads(base64.urlsafe_b64decode(p + '=' * (-len(p) % 4)))
assert c['aud'] in ('$EXCHANGE_AUDIENCE', ['$EXCHANGE_AUDIENCE']), c['aud']
assert c['sub'] == 'system:serviceaccount:$DEMO_NAMESPACE:$DEMO_SA', c['sub']
assert '$pod' in json.dumps(c), 'the issued token does not name the pod'
print('exchange OK:', r['issued_token_type'], 'expires_in', r['expires_in'])"

say "e2e-kind: PASS"
