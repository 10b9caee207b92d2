// SPDX-License-Identifier: Apache-2.0

/// Everything found in one object. The object is allowed exactly when there are no errors.
public struct ValidationReport: Sendable, Equatable {
    /// Problems outside `spec.tasks` first, in the order found; then those inside it, by line;
    /// then the line that counts problems too many to list, if any.
    public var diagnostics: [Diagnostic]

    public init(diagnostics: [Diagnostic]) {
        let outside = diagnostics.filter { $0.tasksPosition == nil && $0.code != .truncated }
        let inside = diagnostics.enumerated().compactMap { item -> (SourcePosition, Int, Diagnostic)? in
            item.element.tasksPosition.map { ($0, item.offset, item.element) }
        }.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
        self.diagnostics = outside + inside.map(\.2) + diagnostics.filter { $0.code == .truncated }
    }

    public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }
    public var warnings: [Diagnostic] { diagnostics.filter { $0.severity == .warning } }
    public var isAllowed: Bool { !diagnostics.contains { $0.severity == .error } }
}
