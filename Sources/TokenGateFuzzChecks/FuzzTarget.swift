// SPDX-License-Identifier: Apache-2.0

/// One fuzz target: a name (the directory of its corpus and crashes, and of its executable in
/// Tests/Fuzz) and the check that runs one input through the real code and asserts invariants.
///
/// The fuzz executables and the replay test both go through this list, so a reproducer fails the
/// test suite exactly the way it failed under libFuzzer. A new target (say a differential
/// JSONView-versus-Jansson reader) is a new check file plus one entry in ``all``.
public struct FuzzTarget: Sendable {
    public let name: String
    private let body: @Sendable (UnsafeRawBufferPointer) throws(FuzzCheckFailure) -> Void

    public init(_ name: String, _ body: @escaping @Sendable (UnsafeRawBufferPointer) throws(FuzzCheckFailure) -> Void) {
        self.name = name
        self.body = body
    }

    /// Runs the check on one input.
    public func check(_ input: UnsafeRawBufferPointer) throws(FuzzCheckFailure) { try body(input) }

    public func check(_ input: [UInt8]) throws(FuzzCheckFailure) {
        let result: Result<Void, FuzzCheckFailure> = input.withUnsafeBytes { raw in
            do throws(FuzzCheckFailure) { try body(raw); return .success(()) } catch { return .failure(error) }
        }
        try result.get()
    }

    /// The libFuzzer entry: a broken invariant becomes a crash with the failure printed first.
    public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
        do {
            try check(UnsafeRawBufferPointer(start: data, count: size))
        } catch {
            fatalError("fuzz invariant broken: \(error)")
        }
        return 0
    }

    public static let json = FuzzTarget("json", JSONCheck.check)
    public static let admission = FuzzTarget("admission", AdmissionCheck.check)
    public static let workflow = FuzzTarget("workflow", WorkflowCheck.check)
    public static let jws = FuzzTarget("jws", JWSCheck.check)
    public static let exchangeForm = FuzzTarget("exchange-form", ExchangeFormCheck.check)
    public static let kubeAnswers = FuzzTarget("kube-answers", KubeAnswersCheck.check)
    public static let config = FuzzTarget("config", ConfigCheck.check)
    public static let pem = FuzzTarget("pem", PEMCheck.check)

    /// Every target, in the order `hack/fuzz.sh` runs them.
    public static let all: [FuzzTarget] = [json, admission, workflow, jws, exchangeForm, kubeAnswers, config, pem]
}
