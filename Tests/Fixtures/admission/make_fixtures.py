#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes TokenGate's own AdmissionReview fixtures (the *.json files not copied from shared/).

The shapes follow k8s-api.md §1.2-1.3 and §3.1 (what a mutating webhook receives, after the
ServiceAccount plugin) and openunison.md §1.2-1.4 and §2 (OpenUnison's charts and operator).
Run it from this folder; the output is committed, so tests never depend on running it.
"""
import json


def review(uid, group, version, kind, resource, ns, name, obj, op="CREATE", old=None,
           api="admission.k8s.io/v1", dry=False):
    req = {"uid": uid, "kind": {"group": group, "version": version, "kind": kind},
           "resource": {"group": group, "version": version, "resource": resource},
           "requestKind": {"group": group, "version": version, "kind": kind},
           "requestResource": {"group": group, "version": version, "resource": resource}}
    if name:
        req["name"] = name
    req.update({"namespace": ns, "operation": op,
                "userInfo": {"username": "system:serviceaccount:openunison:openunison-orchestra",
                             "groups": ["system:serviceaccounts", "system:authenticated"]},
                "object": obj, "oldObject": old, "dryRun": dry,
                "options": {"kind": "CreateOptions" if op == "CREATE" else "UpdateOptions",
                            "apiVersion": "meta.k8s.io/v1", "fieldManager": "helm"}})
    return {"kind": "AdmissionReview", "apiVersion": api, "request": req}


def container(name, image="busybox", mounts=None, **extra):
    c = {"name": name, "image": image, "resources": {}, "terminationMessagePath": "/dev/termination-log",
         "terminationMessagePolicy": "File", "imagePullPolicy": "IfNotPresent"}
    if mounts is not None:
        c["volumeMounts"] = mounts
    c.update(extra)
    return c


def write(name, value):
    with open(name, "w") as f:
        json.dump(value, f, indent=2)
        f.write("\n")


ou_labels = {"app.kubernetes.io/name": "openunison", "app.kubernetes.io/instance": "openunison-orchestra",
             "app.kubernetes.io/component": "application", "app.kubernetes.io/part-of": "openunison"}
tpl_labels = dict(ou_labels, application="openunison-orchestra", app="openunison-orchestra")

# 1. OpenUnison's own Deployment (openunison.md §1.4), as the orchestra chart renders it with
#    enable_tokenrequest true: ou-token at /var/run/secrets/tokens, automount off, krb sidecar.
ou_pod_spec = {
    "serviceAccount": "openunison-orchestra", "serviceAccountName": "openunison-orchestra",
    "automountServiceAccountToken": False,
    "containers": [
        container("openunison-orchestra", "docker.io/tremolosecurity/openunison-k8s:1.0.42",
                  mounts=[{"name": "secret-volume", "mountPath": "/etc/openunison", "readOnly": True},
                          {"name": "ou-token", "mountPath": "/var/run/secrets/tokens"}],
                  env=[{"name": "JAVA_OPTS", "value": "-Djava.awt.headless=true"}],
                  ports=[{"containerPort": 8443, "name": "https", "protocol": "TCP"}]),
        container("krb-sidecar", "docker.io/tremolosecurity/kerberos-sidecar:1.0.0",
                  mounts=[{"name": "krb5-conf", "mountPath": "/etc/krb5.conf", "subPath": "krb5.conf"}])],
    "volumes": [
        {"name": "secret-volume", "secret": {"secretName": "orchestra", "defaultMode": 420}},
        {"name": "krb5-conf", "configMap": {"name": "krb5", "defaultMode": 420}},
        {"name": "ou-token", "projected": {"defaultMode": 420, "sources": [
            {"serviceAccountToken": {"path": "ou-token", "audience": "api", "expirationSeconds": 600}},
            {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}}]}}],
    "restartPolicy": "Always", "dnsPolicy": "ClusterFirst", "securityContext": {},
    "schedulerName": "default-scheduler", "terminationGracePeriodSeconds": 30}
ou = {"kind": "Deployment", "apiVersion": "apps/v1",
      "metadata": {"name": "openunison-orchestra", "namespace": "openunison",
                   "labels": dict(ou_labels, app="openunison-orchestra"),
                   "annotations": {"meta.helm.sh/release-name": "orchestra",
                                   "meta.helm.sh/release-namespace": "openunison"}},
      "spec": {"replicas": 1, "selector": {"matchLabels": {"application": "openunison-orchestra"}},
               "template": {"metadata": {"labels": tpl_labels,
                                         "annotations": {"tremolo.io/update": "2024-05-14T09:21:07Z"}},
                            "spec": ou_pod_spec},
               "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}},
               "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600},
      "status": {}}
write("openunison-deployment-create.mutating.json",
      review("0a1b2c3d-0000-4000-8000-000000000001", "apps", "v1", "Deployment", "deployments",
             "openunison", "openunison-orchestra", ou))

# 2. Deployment with an init container and a native sidecar (restartPolicy Always), opted in by
#    label, with audience/expiration overrides and one skipped container.
d2 = {"kind": "Deployment", "apiVersion": "apps/v1",
      "metadata": {"name": "kube-oidc-proxy", "namespace": "openunison",
                   "labels": {"app": "kube-oidc-proxy", "tokengate.io/inject": "true"}},
      "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "kube-oidc-proxy"}},
               "template": {"metadata": {"labels": {"app": "kube-oidc-proxy"},
                                         "annotations": {
                                             "tokengate.io/audience": "https://kubernetes.default.svc.cluster.local",
                                             "tokengate.io/expiration-seconds": "3600",
                                             "tokengate.io/skip-containers": "metrics"}},
                            "spec": {"serviceAccountName": "openunison-orchestra",
                                     "initContainers": [
                                         container("wait-for-ca", command=["sh", "-c", "true"]),
                                         container("log-shipper", "fluent/fluent-bit:3", restartPolicy="Always",
                                                   mounts=[{"name": "logs", "mountPath": "/logs"}])],
                                     "containers": [
                                         container("proxy", "quay.io/jetstack/kube-oidc-proxy:v1.0.6",
                                                   mounts=[{"name": "logs", "mountPath": "/logs"}]),
                                         container("metrics", "prom/statsd-exporter:v0.26.0")],
                                     "volumes": [{"name": "logs", "emptyDir": {}}],
                                     "restartPolicy": "Always", "dnsPolicy": "ClusterFirst"}}},
      "status": {}}
write("deployment-init-sidecar-create.mutating.json",
      review("0a1b2c3d-0000-4000-8000-000000000002", "apps", "v1", "Deployment", "deployments",
             "openunison", "kube-oidc-proxy", d2))

# 3. Pod as the API server sends it (after the ServiceAccount plugin, k8s-api.md §3.1): an init
#    container, a native sidecar that already mounts its own token at the path, two containers,
#    volumes before and after kube-api-access (remove-index ordering), a field TokenGate does not know.
kaa = {"name": "kube-api-access-x7k2p", "projected": {"sources": [
    {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
    {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
    {"downwardAPI": {"items": [{"path": "namespace",
                                "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}],
    "defaultMode": 420}}
kaa_mount = {"name": "kube-api-access-x7k2p", "readOnly": True,
             "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}
pod = {"kind": "Pod", "apiVersion": "v1",
       "metadata": {"generateName": "openunison-orchestra-6d9f7c8b5-", "namespace": "openunison",
                    "creationTimestamp": None,
                    "labels": dict(tpl_labels, **{"pod-template-hash": "6d9f7c8b5"}),
                    "annotations": {"tremolo.io/update": "2024-05-14T09:21:07Z"},
                    "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                         "name": "openunison-orchestra-6d9f7c8b5",
                                         "uid": "2e3f4a5b-6c7d-4e8f-9a0b-1c2d3e4f5a6b",
                                         "controller": True, "blockOwnerDeletion": True}]},
       "spec": {"volumes": [{"name": "secret-volume", "secret": {"secretName": "orchestra", "defaultMode": 420}},
                            kaa,
                            {"name": "vault-token", "secret": {"secretName": "vault-token", "defaultMode": 420}},
                            {"name": "cache", "emptyDir": {}}],
                "initContainers": [
                    container("init-certs", mounts=[{"name": "cache", "mountPath": "/cache"}, kaa_mount]),
                    container("vault-agent", "hashicorp/vault:1.17", restartPolicy="Always",
                              mounts=[{"name": "vault-token",
                                       "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}])],
                "containers": [
                    container("openunison-orchestra",
                              mounts=[{"name": "secret-volume", "mountPath": "/etc/openunison", "readOnly": True},
                                      kaa_mount]),
                    container("audit-forwarder", mounts=[kaa_mount, {"name": "cache", "mountPath": "/cache"}])],
                "restartPolicy": "Always", "terminationGracePeriodSeconds": 30, "dnsPolicy": "ClusterFirst",
                "serviceAccountName": "openunison-orchestra", "serviceAccount": "openunison-orchestra",
                "securityContext": {}, "schedulerName": "default-scheduler",
                "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists",
                                 "effect": "NoExecute", "tolerationSeconds": 300}],
                "priority": 0, "enableServiceLinks": True, "preemptionPolicy": "PreemptLowerPriority",
                "someFutureField": {"keep": ["me", 1]}},
       "status": {}}
write("pod-kube-api-access-create.mutating.json",
      review("0a1b2c3d-0000-4000-8000-000000000003", "", "v1", "Pod", "pods", "openunison", None, pod))

# 4. CronJob (pod template at spec.jobTemplate.spec.template), created by the operator.
cj = {"kind": "CronJob", "apiVersion": "batch/v1",
      "metadata": {"name": "check-certs", "namespace": "openunison",
                   "labels": {"app.kubernetes.io/managed-by": "openunison-operator"}},
      "spec": {"schedule": "0 * * * *", "concurrencyPolicy": "Forbid",
               "jobTemplate": {"metadata": {"creationTimestamp": None},
                               "spec": {"backoffLimit": 1,
                                        "template": {"metadata": {"creationTimestamp": None},
                                                     "spec": {"serviceAccountName": "openunison-operator",
                                                              "containers": [container(
                                                                  "check-certs",
                                                                  "docker.io/tremolosecurity/openunison-k8s-operator:latest")],
                                                              "restartPolicy": "Never"}}}}},
      "status": {}}
write("cronjob-create.mutating.json",
      review("0a1b2c3d-0000-4000-8000-000000000005", "batch", "v1", "CronJob", "cronjobs", "openunison",
             "check-certs", cj))

# 5. OpenUnison's ServiceAccount (chart labels, no annotations, no automount field).
sa = {"kind": "ServiceAccount", "apiVersion": "v1",
      "metadata": {"name": "openunison-orchestra", "namespace": "openunison",
                   "labels": {"app.kubernetes.io/name": "openunison",
                              "app.kubernetes.io/instance": "openunison-orchestra",
                              "app.kubernetes.io/component": "rbac", "app.kubernetes.io/part-of": "openunison"}}}
write("serviceaccount-openunison-create.mutating.json",
      review("0a1b2c3d-0000-4000-8000-000000000006", "", "v1", "ServiceAccount", "serviceaccounts", "openunison",
             "openunison-orchestra", sa))

# 6. StatefulSet UPDATE, v1beta1, dry-run, with an out-of-range expiration override: denied.
ss = {"kind": "StatefulSet", "apiVersion": "apps/v1",
      "metadata": {"name": "amq", "namespace": "openunison", "labels": {"app.kubernetes.io/part-of": "openunison"},
                   "annotations": {"tokengate.io/expiration-seconds": "300"}},
      "spec": {"serviceName": "amq", "selector": {"matchLabels": {"app": "amq"}},
               "template": {"metadata": {"labels": {"app": "amq"}},
                            "spec": {"containers": [container("amq", "apache/activemq-classic:6")]}}}}
write("statefulset-update-bad-expiration.v1beta1.json",
      review("0a1b2c3d-0000-4000-8000-000000000007", "apps", "v1", "StatefulSet", "statefulsets", "openunison",
             "amq", ss, op="UPDATE", old=ss, api="admission.k8s.io/v1beta1", dry=True))
