// SPDX-License-Identifier: Apache-2.0

/// Checks the OpenUnison objects in a YAML file the way `kubectl apply` plus TokenGate's webhook
/// would, without a cluster: every document of a multi-document file (and the items of a `List`),
/// Workflows and Targets checked, other kinds skipped. Every diagnostic gets a line and column in
/// the file, including problems deep inside the `spec.tasks` string.
public struct ManifestLinter: Sendable {
    public var limits: ValidationLimits

    public init(limits: ValidationLimits = .default) {
        self.limits = limits
    }

    public struct Result: Sendable, Equatable {
        /// Sorted by position in the file.
        public var diagnostics: [Diagnostic]
        /// `Workflow openunison/name` for every object checked.
        public var checked: [String]
        /// Documents of other kinds (or no kind) that were not checked.
        public var skipped: Int
        /// TrustedCluster issuers seen so far in the file, by cluster name: two may not share one.
        var trustedIssuers: [String: String] = [:]

        public init(diagnostics: [Diagnostic], checked: [String], skipped: Int) {
            self.diagnostics = diagnostics
            self.checked = checked
            self.skipped = skipped
        }

        public static func == (lhs: Result, rhs: Result) -> Bool {
            lhs.diagnostics == rhs.diagnostics && lhs.checked == rhs.checked && lhs.skipped == rhs.skipped
        }

        public var errorCount: Int { diagnostics.filter { $0.severity == .error }.count }
        public var warningCount: Int { diagnostics.filter { $0.severity == .warning }.count }
    }

    public func lint(text: String) -> Result {
        lint(Array(text.utf8))
    }

    public func lint(_ bytes: [UInt8]) -> Result {
        var findings = Findings()
        guard bytes.count <= limits.maxFileBytes else {
            findings.error(.tooLarge, FieldPath(), at: SourcePosition(line: 1, column: 1),
                           "the file is \(bytes.count) bytes; lint reads at most \(limits.maxFileBytes)",
                           hint: "split it into smaller files")
            return Result(diagnostics: findings.all, checked: [], skipped: 0)
        }
        var content = bytes
        if content.starts(with: [0xEF, 0xBB, 0xBF]) { content.removeFirst(3) }
        if let offset = SourceText.firstInvalidUTF8(content) {
            let position = content.withUnsafeBufferPointer { SourceText.position(ofByte: offset, in: $0) }
            findings.error(
                .notUTF8, FieldPath(), at: position,
                "the file is not valid UTF-8 (byte 0x\(String(content[offset], radix: 16, uppercase: true)))",
                hint: "save the file as UTF-8")
            return Result(diagnostics: findings.all, checked: [], skipped: 0)
        }
        let read = YAMLReader(aliasRule: .resolve, limits: limits).read(content)
        for problem in read.problems {
            findings.add(problem.isError ? .error : .warning, problem.code, problem.path ?? FieldPath(),
                         at: problem.position, problem.message, hint: problem.hint)
        }
        var result = Result(diagnostics: [], checked: [], skipped: 0)
        for document in read.documents {
            check(document.root, documentPosition: document.position, into: &result, findings: &findings)
        }
        result.diagnostics = findings.all.enumerated().sorted { lhs, rhs in
            let left = lhs.element.filePosition ?? SourcePosition(line: 0, column: 0)
            let right = rhs.element.filePosition ?? SourcePosition(line: 0, column: 0)
            return (left, lhs.offset) < (right, rhs.offset)
        }.map(\.element)
        return result
    }

    /// One document (or `List` item): dispatch on apiVersion and kind.
    func check(_ object: SpecValue, documentPosition: SourcePosition, into result: inout Result, findings: inout Findings) {
        guard object.entries != nil, let kind = object["kind"]?.string else {
            if !object.isNull { result.skipped += 1 }
            return
        }
        let apiVersion = object["apiVersion"]?.string ?? ""
        let group = apiVersion.split(separator: "/").first.map(String.init) ?? ""
        let version = WorkflowValidator.version(of: apiVersion)
        if kind == "List", let items = object["items"]?.items {
            for item in items { check(item, documentPosition: item.origin.position ?? documentPosition, into: &result, findings: &findings) }
            return
        }
        if TrustedClusterValidator.matches(apiVersion: apiVersion, kind: kind) {
            checkTrustedCluster(object, documentPosition: documentPosition, into: &result, findings: &findings)
            return
        }
        guard group == "openunison.tremolo.io", kind == "Workflow" || kind == "Target" else {
            result.skipped += 1
            return
        }
        let name = object["metadata"]?["name"]?.string
        let namespace = object["metadata"]?["namespace"]?.string
        let identity = "\(kind) " + ([namespace, name].compactMap { $0 }.joined(separator: "/"))
        result.checked.append(identity)
        var local = Findings()
        let served = kind == "Workflow" ? ["v1", "v2"] : ["v1"]
        guard served.contains(version) else {
            local.error(.unsupportedVersion, FieldPath("apiVersion"), at: object["apiVersion"]?.origin.position,
                        "the \(kind) CRD serves \(served.map { "openunison.tremolo.io/\($0)" }.joined(separator: " and ")), "
                            + "not \(apiVersion)")
            findings.append(contentsOf: local.all.map { tagged($0, identity) })
            return
        }
        checkName(name, metadata: object["metadata"], at: object.origin.position ?? documentPosition, findings: &local)
        let spec = object["spec"] ?? SpecValue(.map([]), origin: SpecOrigin(position: object.origin.position))
        let validator = WorkflowValidator(limits: limits)
        let report = kind == "Workflow"
            ? validator.validateWorkflow(spec: spec, apiVersion: apiVersion) : validator.validateTarget(spec: spec)
        let map = TasksSourceMap(origin: spec["tasks"]?.origin ?? SpecOrigin())
        for var diagnostic in report.diagnostics {
            if let inside = diagnostic.tasksPosition { diagnostic.filePosition = map.filePosition(for: inside) }
            if diagnostic.filePosition == nil { diagnostic.filePosition = object.origin.position ?? documentPosition }
            local.append(contentsOf: [diagnostic])
        }
        findings.append(contentsOf: local.all.map { tagged($0, identity) })
    }

    /// The API server refuses names that are not lowercase DNS subdomains (RFC 1123).
    private func checkName(_ name: String?, metadata: SpecValue?, at position: SourcePosition, findings: inout Findings) {
        guard let name else {
            if metadata?["generateName"] == nil {
                findings.error(.invalidName, FieldPath("metadata.name"), at: metadata?.origin.position ?? position,
                               "the object has no metadata.name")
            }
            return
        }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        let valid = !name.isEmpty && name.utf8.count <= 253 && labels.allSatisfy { label in
            // Kubernetes' IsDNS1123Subdomain: no per-label length limit, 253 in all.
            guard let first = label.first, let last = label.last else { return false }
            return label.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" }
                && first != "-" && last != "-"
        }
        if !valid {
            let lowered = name.lowercased()
            findings.error(
                .invalidName, FieldPath("metadata.name"), at: metadata?["name"]?.origin.position ?? position,
                "\(Quoted(name)) is not a valid name; the API server accepts only lowercase letters, digits, "
                    + "\"-\" and \".\" (an RFC 1123 subdomain)",
                hint: lowered != name ? "use \(Quoted(lowered)); OpenUnison uses metadata.name as the workflow name, "
                    + "so update callWorkflow tasks that name it" : nil)
        }
    }

    /// A `tokengate.io` TrustedCluster: the webhook's rules, plus one issuer per cluster across the file.
    private func checkTrustedCluster(_ object: SpecValue, documentPosition: SourcePosition, into result: inout Result,
                                     findings: inout Findings) {
        let name = object["metadata"]?["name"]?.string
        let identity = "TrustedCluster " + (name ?? "")
        result.checked.append(identity)
        let report = TrustedClusterValidator(issuersInUse: result.trustedIssuers).validate(object: object).report
        // The issuer is taken even when the object has other errors: the next one must not reuse it either.
        if let issuer = object["spec"]?["issuer"]?.string, let name, result.trustedIssuers[issuer] == nil {
            result.trustedIssuers[issuer] = name
        }
        findings.append(contentsOf: report.diagnostics.map { diagnostic in
            var copy = tagged(diagnostic, identity)
            if copy.filePosition == nil { copy.filePosition = object.origin.position ?? documentPosition }
            return copy
        })
    }

    private func tagged(_ diagnostic: Diagnostic, _ identity: String) -> Diagnostic {
        var copy = diagnostic
        copy.object = identity
        return copy
    }

}
