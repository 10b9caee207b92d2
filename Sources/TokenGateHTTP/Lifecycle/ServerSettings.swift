// SPDX-License-Identifier: Apache-2.0

/// Everything the server needs to start, validated by the CLI before it gets here.
public struct ServerSettings: Sendable {
    /// Address to listen on; port 0 picks a free port (tests), reported in the "listening" log line.
    public var host: String
    public var port: Int
    public var certificateFiles: CertificateFiles
    /// How often the certificate files are compared with what is loaded.
    public var certificateReloadInterval: Duration = .seconds(10)
    /// After SIGTERM, how long `/readyz` answers 503 while requests are still served, before the
    /// listener closes. Should cover the time Kubernetes needs to remove the pod from endpoints.
    public var drainSeconds: Double = 5
    /// After the listener closes, how long in-flight requests may take before connections are cut.
    public var shutdownGraceSeconds: Double = 30
    public var limits = HTTPLimits()

    public init(host: String, port: Int, certificateFiles: CertificateFiles) {
        self.host = host
        self.port = port
        self.certificateFiles = certificateFiles
    }
}
