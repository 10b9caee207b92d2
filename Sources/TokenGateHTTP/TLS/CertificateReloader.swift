// SPDX-License-Identifier: Apache-2.0
import Logging
import Synchronization

/// Holds the server's current ``TLSContext`` and replaces it when the certificate files change.
///
/// New connections take ``current`` when accepted; connections already open keep the context
/// they started with (each `SSL` references its own context). A changed pair that cannot be used
/// (unreadable, bad PEM, key not matching the certificate) is logged once and counted, and the
/// old context stays in service: a botched rotation must not take the webhook down, since with
/// `failurePolicy: Fail` that would block every matching API request in the cluster.
public final class CertificateReloader: Sendable {
    public let files: CertificateFiles
    public let interval: Duration
    private let logger: Logger
    private let metrics: ServerMetrics?

    private struct State {
        var context: TLSContext?
        var loaded: TLSServerMaterial?
        /// The last material that failed, so a broken pair is reported once, not every poll.
        var rejected: TLSServerMaterial?
    }
    private let state = Mutex(State())

    public init(files: CertificateFiles, interval: Duration, logger: Logger, metrics: ServerMetrics? = nil) {
        self.files = files
        self.interval = interval
        self.logger = logger
        self.metrics = metrics
    }

    /// The context for new handshakes, or nil before the first successful load.
    public var current: TLSContext? { state.withLock { $0.context } }

    /// Loads the files once and fails with the reason if they are unusable, so `serve` refuses to
    /// start with a broken certificate instead of failing every handshake.
    public func loadInitial() throws {
        let material = try files.read()
        let context = try TLSContext.server(material)
        install(context, material: material, initial: true)
    }

    /// Re-reads the files and installs a new context if their content changed and is valid.
    /// Returns whether a new context was installed.
    @discardableResult
    public func reloadIfChanged() -> Bool {
        let material: TLSServerMaterial
        do {
            material = try files.read()
        } catch {
            // Mid-rotation a file can be briefly missing; keep serving and try again next poll.
            logger.warning("cannot read certificate files; keeping the current certificate", metadata: ["error": "\(error)"])
            return false
        }
        let (unchanged, alreadyRejected) = state.withLock { ($0.loaded == material, $0.rejected == material) }
        if unchanged || alreadyRejected { return false }
        do {
            let context = try TLSContext.server(material)
            install(context, material: material, initial: false)
            return true
        } catch {
            state.withLock { $0.rejected = material }
            metrics?.certificateReloadFailed()
            logger.error(
                "new certificate files are unusable; keeping the current certificate",
                metadata: ["error": "\(error)", "tls.cert": "\(files.certificatePath)", "tls.key": "\(files.keyPath)"])
            return false
        }
    }

    /// Polls every ``interval`` until the task is cancelled.
    public func run() async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: interval) } catch { return }
            reloadIfChanged()
        }
    }

    private func install(_ context: TLSContext, material: TLSServerMaterial, initial: Bool) {
        state.withLock {
            $0.context = context
            $0.loaded = material
            $0.rejected = nil
        }
        let leaf = context.leafCertificate
        if let expiry = leaf?.notAfterEpochSeconds { metrics?.setCertificateExpiry(epochSeconds: expiry) }
        if !initial { metrics?.certificateReloaded() }
        logger.info(
            initial ? "TLS certificate loaded" : "TLS certificate reloaded",
            metadata: [
                "tls.serial": "\(leaf?.serialNumberHex ?? "")", "tls.subject": "\(leaf?.subject ?? "")",
                "tls.not_after": "\(leaf?.notAfterEpochSeconds ?? 0)",
                "tls.client_ca": "\(files.clientCAPath ?? "none")",
            ])
    }
}
