// SPDX-License-Identifier: Apache-2.0

/// Two small AdmissionReviews that opt in with the `tokengate.io/inject: "true"` label (honoured
/// whatever selectors a configuration sets): a Pod that still has the ServiceAccount plugin's
/// default-token volume and mounts, and a Deployment with an init container. The `config` target
/// runs them through every configuration that loads, so settings such as a trailing `/` in
/// `mountPath` or `./` in `tokenFileName` are held to the admission invariants too.
enum ConfigProbeReviews {
    static let pod = #"""
    {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"probe-pod",
     "kind":{"group":"","version":"v1","kind":"Pod"},"namespace":"apps","operation":"CREATE",
     "object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"api-1","namespace":"apps",
       "labels":{"tokengate.io/inject":"true"}},
      "spec":{"serviceAccountName":"api","containers":[{"name":"api","image":"api:1",
        "volumeMounts":[{"name":"data","mountPath":"/data"},
          {"name":"kube-api-access-x1y2z","mountPath":"/var/run/secrets/kubernetes.io/serviceaccount","readOnly":true}]}],
       "volumes":[{"name":"data","emptyDir":{}},{"name":"kube-api-access-x1y2z","projected":{"sources":[
         {"serviceAccountToken":{"expirationSeconds":3607,"path":"token"}}]}}]}}}}
    """#

    static let deployment = #"""
    {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"probe-deployment",
     "kind":{"group":"apps","version":"v1","kind":"Deployment"},"namespace":"apps","operation":"CREATE",
     "object":{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"api","namespace":"apps",
       "annotations":{"tokengate.io/skip-containers":"sidecar"}},
      "spec":{"template":{"metadata":{"labels":{"tokengate.io/inject":"true"}},
       "spec":{"initContainers":[{"name":"init","image":"init:1"}],
        "containers":[{"name":"api","image":"api:1","volumeMounts":[{"name":"data","mountPath":"/data"}]},
          {"name":"sidecar","image":"side:1"}],
        "volumes":[{"name":"data","emptyDir":{}}]}}}}}}
    """#

    static let all = [pod, deployment]
}
