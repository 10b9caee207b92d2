// SPDX-License-Identifier: Apache-2.0
import Logging
import NIOCore

/// Counts handshakes in the metrics and logs failures with their reason: a failing handshake is
/// usually a CA bundle mismatch in the webhook configuration, and the reason ("tlsv1 alert
/// unknown ca", "unsupported protocol") is what the operator needs to see.
struct TLSHandshakeReporter: TLSHandshakeObserver {
    let metrics: ServerMetrics
    let logger: Logger

    func tlsHandshakeSucceeded(_ info: TLSHandshakeCompleted) {
        metrics.tlsHandshakeSucceeded(info)
    }

    func tlsHandshakeFailed(_ reason: String, remoteAddress: SocketAddress?) {
        metrics.tlsHandshakeFailed(reason, remoteAddress: remoteAddress)
        logger.info("TLS handshake failed", metadata: ["error": "\(reason)", "client": "\(remoteAddress.map { "\($0)" } ?? "?")"])
    }
}
