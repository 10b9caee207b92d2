// SPDX-License-Identifier: Apache-2.0

/// `HOST:PORT` as given to `--listen`: `0.0.0.0:8443`, `127.0.0.1:0`, `[::]:8443`, `localhost:8443`.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public init(parsing text: String) throws {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw ListenAddressError(text)
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else { throw ListenAddressError(text) }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty, let port = Int(portText), (0...65535).contains(port) else { throw ListenAddressError(text) }
        self.host = String(host)
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

public struct ListenAddressError: Error, CustomStringConvertible {
    let text: String
    init(_ text: String) { self.text = text }
    public var description: String {
        "--listen '\(text)' is not HOST:PORT; examples: 0.0.0.0:8443, 127.0.0.1:0 (any free port), [::]:8443"
    }
}
