// SPDX-License-Identifier: Apache-2.0
import NIOCore

/// Fired down the pipeline (user inbound event) when a handshake completes.
public struct TLSHandshakeCompleted: Sendable, Equatable {
    /// The ALPN protocol both sides agreed on (`http/1.1`), or nil when the client offered none.
    public var negotiatedProtocol: String?
    /// `TLSv1.2` or `TLSv1.3`.
    public var protocolVersion: String
    public var cipher: String
    /// Subject of the verified client (or server, in client mode) certificate, when one was presented.
    public var peerCertificateSubject: String?
}

/// Receives handshake outcomes for metrics and logs. Called on the event loop: keep it cheap.
public protocol TLSHandshakeObserver: Sendable {
    func tlsHandshakeSucceeded(_ info: TLSHandshakeCompleted)
    func tlsHandshakeFailed(_ reason: String, remoteAddress: SocketAddress?)
}
