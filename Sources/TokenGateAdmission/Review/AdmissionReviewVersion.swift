// SPDX-License-Identifier: Apache-2.0

/// The AdmissionReview versions the API server may send. The answer must carry the same one:
/// for v1 a mismatch is a failed webhook call, which `failurePolicy: Fail` turns into an outage.
public enum AdmissionReviewVersion: String, Sendable, CaseIterable {
    case v1 = "admission.k8s.io/v1"
    case v1beta1 = "admission.k8s.io/v1beta1"

    public static let kind = "AdmissionReview"
}
