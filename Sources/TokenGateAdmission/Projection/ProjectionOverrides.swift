// SPDX-License-Identifier: Apache-2.0

/// What one object asks for through its `tokengate.io/` annotations, checked against the settings.
///
/// Overrides are never clamped: a value outside the allowed range is a denial naming the
/// annotation and the range, because a silently shortened or lengthened token surprises whoever
/// wrote the manifest.
struct ProjectionOverrides: Equatable {
    var audience: String
    var expirationSeconds: Int
    var skipContainers: [String]

    /// `"<audience>;<seconds>"` for the marker annotation.
    var marker: String { "\(audience);\(expirationSeconds)" }

    enum Outcome {
        case read(ProjectionOverrides)
        case denied(AdmissionStatus)
    }

    /// - Parameter annotations: the value of an annotation, the pod template's over the object's
    ///   (template wins); nil when neither has it as a string.
    static func read(_ annotations: (String) -> String?, settings: ProjectionSettings) -> Outcome {
        var audience = settings.audience
        var expiration = settings.expirationSeconds
        if let value = annotations(ProjectionAnnotations.audience) {
            if let problem = ProjectionSettings.audienceProblem(value) {
                return .denied(.invalid("annotation \(ProjectionAnnotations.audience) \(problem)"))
            }
            audience = value
        }
        if let value = annotations(ProjectionAnnotations.expirationSeconds) {
            let min = ProjectionSettings.minimumExpirationSeconds
            let max = settings.maxExpirationSeconds
            let digits = value.utf8.allSatisfy { (48...57).contains($0) } && !value.isEmpty && value.utf8.count <= 12
            guard digits, let seconds = Int(value), seconds >= min, seconds <= max else {
                return .denied(
                    .invalid(
                        "annotation \(ProjectionAnnotations.expirationSeconds) is \"\(value)\": it must be a whole number of seconds from \(min) to \(max)"
                    ))
            }
            expiration = seconds
        }
        let skip = (annotations(ProjectionAnnotations.skipContainers) ?? "")
            .split(separator: ",").map(\.trimmingSpaces).filter { !$0.isEmpty }
        return .read(ProjectionOverrides(audience: audience, expirationSeconds: expiration, skipContainers: skip))
    }
}
